import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * IntellectMoney's hashes and signatures (protocols.md §3.3-§3.5). Written apart from
 * provider-adapters on purpose: the public vectors check each side alone.
 */

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The payment form values the form `hash` covers, exactly as posted. */
export interface PurchaseValues {
  eshopId: string;
  orderId: string;
  serviceName: string;
  recipientAmount: string;
  recipientCurrency: string;
  /** `Activate` on forms that ask to bind the card; it then sits just before the key. */
  recurringType?: string;
}

/**
 * The form `hash` (§3.3): lowercase MD5 of `eshopId::orderId::serviceName::recipientAmount::
 * recipientCurrency::secretKey`, with `::recurringType` before the key when the form has one.
 */
export function purchaseHash(v: PurchaseValues, secretKey: string): string {
  const parts = [v.eshopId, v.orderId, v.serviceName, v.recipientAmount, v.recipientCurrency];
  if (v.recurringType !== undefined && v.recurringType !== '') parts.push(v.recurringType);
  parts.push(secretKey);
  return md5(parts.join('::'));
}

/** Field names of the notification hash in order; `secretKey` marks where the key goes. */
export type HashOrder = readonly string[];

/** The widely implemented order (§3.4, "legacy"): the sandbox's default. */
export const LEGACY_HASH_ORDER: HashOrder = Object.freeze([
  'eshopId',
  'orderId',
  'serviceName',
  'eshopAccount',
  'recipientAmount',
  'recipientCurrency',
  'paymentStatus',
  'userName',
  'userEmail',
  'paymentData',
  'secretKey',
]);

/** The conflicting order one integration uses (§3.4): adds InvoiceId, moves serviceName. */
export const INVOICE_ID_HASH_ORDER: HashOrder = Object.freeze([
  'eshopId',
  'invoiceId',
  'orderId',
  'eshopAccount',
  'serviceName',
  'recipientAmount',
  'recipientCurrency',
  'paymentStatus',
  'userName',
  'userEmail',
  'paymentData',
  'secretKey',
]);

/**
 * SANDBOX_INTELLECTMONEY_HASH_ORDER: `legacy` (default), `invoice_id`, or an explicit
 * `::`-joined list of notification field names with `secretKey` exactly once. Undefined when
 * the text is none of these.
 */
export function parseHashOrder(text: string | undefined): HashOrder | undefined {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'legacy') return LEGACY_HASH_ORDER;
  if (value === 'invoice_id') return INVOICE_ID_HASH_ORDER;
  if (!value.includes('::')) return undefined;
  const names = value.split('::').map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(n))) return undefined;
  if (names.filter((n) => n.toLowerCase() === 'secretkey').length !== 1) return undefined;
  return Object.freeze(names);
}

/**
 * The notification `hash`: lowercase MD5 (UTF-8) of the named fields' values joined with `::`,
 * a missing field an empty segment. Names match case-insensitively (the official SDK does the
 * same); `invoiceId`, when the notification has no such field, is the paymentId (IntellectMoney's
 * invoice number).
 */
export function notificationHash(
  fields: ReadonlyArray<readonly [string, string]>,
  order: HashOrder,
  secretKey: string,
): string {
  const byName = new Map<string, string>();
  for (const [name, value] of fields) {
    const key = name.toLowerCase();
    if (!byName.has(key)) byName.set(key, value);
  }
  const parts = order.map((name) => {
    const key = name.toLowerCase();
    if (key === 'secretkey') return secretKey;
    if (key === 'invoiceid' && !byName.has(key)) return byName.get('paymentid') ?? '';
    return byName.get(key) ?? '';
  });
  return md5(parts.join('::'));
}

/**
 * Personal API `Sign` patterns (§3.5): field names in order, '' for a segment that is always
 * empty for the method; SignSecretKey follows the last one.
 */
export const SIGN_PATTERNS = Object.freeze({
  setScheduledOperationData: Object.freeze([
    'UserToken',
    '',
    '',
    'Operation',
    'ObjectId',
    'ObjectTypeVal',
    'ParamsJson',
    'RepeatPlan',
    'RetryOnFailPlan',
    'RetryOnFailCount',
    'IsSingle',
    'FireOnSkip',
    'State',
    '',
    '',
    'EndExecDate',
  ]),
  getScheduledOperationData: Object.freeze([
    'UserToken',
    'Skip',
    'Take',
    'Operation',
    'ObjectId',
    'ObjectTypeVal',
    'ParamsJson',
    'RepeatPlan',
    'RetryOnFailPlan',
    'RetryOnFailCount',
    'IsSingle',
    'FireOnSkip',
    'State',
    'DateFrom',
    'DateTo',
    '',
  ]),
  /** The sandbox's own method (no public counterpart), signed the same way. */
  chargeBoundCard: Object.freeze(['UserToken', 'ObjectId', 'OrderId', 'Amount', 'ServiceName']),
});

export type PersonalMethod = keyof typeof SIGN_PATTERNS;

/**
 * `Sign` header: lowercase hex SHA-256 (plain, not HMAC) of the pattern's values joined with `::`,
 * SignSecretKey last (protocols.md §3.3/§3.5).
 */
export function personalSign(
  method: PersonalMethod,
  valueOf: (name: string) => string,
  signSecretKey: string,
): string {
  const parts = SIGN_PATTERNS[method].map((name) => (name === '' ? '' : valueOf(name)));
  parts.push(signSecretKey);
  return sha256(parts.join('::'));
}

/** Constant-time comparison of hex digests; senders differ in hex case, so ignore it. */
export function sameHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(received.trim().toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
