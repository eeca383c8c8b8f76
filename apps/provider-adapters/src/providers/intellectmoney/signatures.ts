import { createHash, timingSafeEqual } from 'node:crypto';

import { Refusal } from '../shared/refusal';
import { encodeWindows1251 } from '../shared/windows-1251';
import type { IntellectMoneyConfig } from './config';

/**
 * IntellectMoney signs by joining values with `::`, missing values kept as empty segments and
 * the key as the last segment (protocols.md §3.3). Names in patterns are matched
 * case-insensitively, as the official SDK does.
 */
export const SEPARATOR = '::';

/** The field values of the payment form that `hash` covers (§3.3 purchaseHash). */
export interface PurchaseHashFields {
  eshopId: string;
  orderId: string;
  serviceName: string;
  recipientAmount: string;
  recipientCurrency: string;
  /** `Activate` to bind the card; then part of the hash, right before the secret. */
  recurringType?: string;
}

const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

/** The form's `hash`: lowercase hex MD5 of `eshopId::orderId::serviceName::recipientAmount::recipientCurrency[::recurringType]::secretKey`. */
export function purchaseHash(f: PurchaseHashFields, secretKey: string): string {
  const values = [f.eshopId, f.orderId, f.serviceName, f.recipientAmount, f.recipientCurrency];
  if (f.recurringType) values.push(f.recurringType);
  values.push(secretKey);
  return md5(Buffer.from(values.join(SEPARATOR), 'utf8'));
}

/**
 * The legacy notification hash order, implemented by most public integrations
 * (django-intellectmoney, vamcart, a 2024 FastAPI module; protocols.md §3.4). The default of
 * INTELLECTMONEY_HASH_ORDER.
 */
export const DEFAULT_NOTIFICATION_HASH_ORDER = [
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
] as const;

/**
 * The conflicting order one recent integration uses (§3.4 "Conflict"): adds InvoiceId (the
 * notification's paymentId) and moves serviceName after eshopAccount.
 */
export const INVOICE_ID_NOTIFICATION_HASH_ORDER = [
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
] as const;

/** The place of the shop's secret in a hash order. */
export const SECRET_KEY_TOKEN = 'secretKey';

/**
 * Parses INTELLECTMONEY_HASH_ORDER: `legacy` (the default), `invoice_id`, or notification field
 * names joined by `::` (as protocols.md writes them) with `secretKey` exactly once. Throws an
 * Error naming the problem.
 */
export function parseHashOrder(spec: string): readonly string[] {
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'legacy') return DEFAULT_NOTIFICATION_HASH_ORDER;
  if (trimmed === 'invoice_id') return INVOICE_ID_NOTIFICATION_HASH_ORDER;
  const names = trimmed.split(SEPARATOR).map((n) => n.trim());
  for (const name of names) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
      throw new Error(`"${name.slice(0, 40)}" is not a field name (letters, digits, _)`);
    }
  }
  const secrets = names.filter((n) => n.toLowerCase() === SECRET_KEY_TOKEN.toLowerCase()).length;
  if (secrets !== 1) throw new Error('the order must contain secretKey exactly once');
  if (names.length < 3) throw new Error('the order must name at least two fields and secretKey');
  return Object.freeze(names);
}

/**
 * Looks a field up by name, case-insensitively (the SDK's rule); missing = empty segment. An
 * `invoiceId` the notification lacks is its `paymentId` (IntellectMoney's invoice number).
 */
export function fieldValue(fields: ReadonlyMap<string, string>, name: string): string {
  const direct = fields.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [key, value] of fields) if (key.toLowerCase() === lower) return value;
  if (lower === 'invoiceid') return fieldValue(fields, 'paymentId');
  return '';
}

/** The string a notification hash is computed over, for a given order. */
export function notificationHashBase(
  fields: ReadonlyMap<string, string>,
  order: readonly string[],
  secretKey: string,
): string {
  return order
    .map((name) =>
      name.toLowerCase() === SECRET_KEY_TOKEN.toLowerCase() ? secretKey : fieldValue(fields, name),
    )
    .join(SEPARATOR);
}

/**
 * The notification `hash` candidates: MD5 over the UTF-8 bytes and over the windows-1251 bytes
 * of the same string, because public handlers accept both (§3.4) and names with Cyrillic
 * (serviceName, userName) hash differently in each.
 */
export function notificationHashes(
  fields: ReadonlyMap<string, string>,
  order: readonly string[],
  secretKey: string,
): string[] {
  const base = notificationHashBase(fields, order, secretKey);
  const hashes = [md5(Buffer.from(base, 'utf8'))];
  const cp1251 = encodeWindows1251(base);
  if (cp1251 && !cp1251.equals(Buffer.from(base, 'utf8'))) hashes.push(md5(cp1251));
  return hashes;
}

/** The Personal API `Sign` patterns (§3.5); empty strings are the documented empty segments. */
export const SET_SCHEDULED_OPERATION_SIGN = [
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
] as const;

export const GET_SCHEDULED_OPERATION_SIGN = [
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
] as const;

/**
 * `Sign` header: plain SHA-256 lowercase hex (not an HMAC) of the pattern's values joined by
 * `::`, SignSecretKey as the last segment (§3.3, §3.5).
 */
export function personalApiSign(
  pattern: readonly string[],
  values: Readonly<Record<string, string>>,
  signSecretKey: string,
): string {
  const parts = pattern.map((name) => (name === '' ? '' : (values[name] ?? '')));
  parts.push(signSecretKey);
  return createHash('sha256').update(parts.join(SEPARATOR), 'utf8').digest('hex');
}

/** Compares hex digests case-insensitively, in constant time for equal lengths. */
export function hexEquals(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A notification's `hash` (§3.4), first: an unsigned request learns nothing about our orders.
 * Throws a Refusal naming the field at fault.
 */
export function verifyNotificationHash(
  config: Pick<IntellectMoneyConfig, 'hashOrder' | 'secretKey'>,
  fields: ReadonlyMap<string, string>,
): void {
  const hash = fieldValue(fields, 'hash');
  if (!/^[0-9a-fA-F]{32}$/.test(hash)) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'hash is missing or not MD5 hex', ['hash']);
  }
  const candidates = notificationHashes(fields, config.hashOrder, config.secretKey.reveal());
  // Every candidate is compared, so timing does not tell which encoding was close.
  const matches = candidates.map((c) => hexEquals(hash, c));
  if (!matches.includes(true)) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'hash does not match the configured order', [
      'hash',
    ]);
  }
}
