import type { Secret } from '@tolem/config';
import type { CurrencyCode } from '@tolem/money';

import { type CallbackResult, type RawCallback, textReply } from '../../domain/callback';
import { type ProviderErrorCode, providerErrors } from '../../domain/errors';
import type { ProviderTransactionRepository } from '../../domain/ports';
import {
  type MethodName,
  type ProviderTransaction,
  startConflictField,
} from '../../domain/provider-transaction';
import type { PaymentProvider, StartPaymentInput, StartPaymentResult } from '../provider.port';
import { FormParseError, parseFormBody, redactFormFields } from '../shared/form-urlencoded';
import {
  hexEquals,
  lmiHash,
  lmiHash2,
  lmiHashType,
  type NotificationSignedFields,
  paymentFormSign,
} from './signatures';
import {
  currencyOfPurse,
  encodeDescription,
  fromWebMoneyAmount,
  isKeeperMobileNotification,
  normalizePayerPhone,
  notificationAttributes,
  toWebMoneyAmount,
} from './transformers';

export interface WebMoneyConfig {
  /** The payment form, e.g. https://merchant.webmoney.ru/lmi/payment_utf.asp (or the sandbox's). */
  merchantUrl: string;
  /** LMI_RESULT_URL: the gateway's public callback endpoint for WebMoney. */
  resultUrl: string;
  /** Our purse per currency; the purse letter always matches the currency. */
  purses: ReadonlyMap<CurrencyCode, string>;
  /** The purse's Secret Key, shared with WebMoney; signs notifications (LMI_HASH, LMI_HASH2). */
  secretKey: Secret;
  /** X20 secret; when set the form carries LMI_PAYMENTFORM_SIGN. */
  x20Secret?: Secret;
  /** Accept LMI_HASH in the SIGN form (132 chars); it still needs a valid LMI_HASH2. */
  allowSignHash: boolean;
  /** Refuse notifications without LMI_HASH2. */
  requireHash2: boolean;
  /** The LMI_MODE we expect: '1' test (sandbox), '0' real. */
  mode: '0' | '1';
}

export interface WebMoneyAdapterDeps {
  config: WebMoneyConfig;
  transactions: ProviderTransactionRepository;
}

/**
 * How the browser returns to success/fail URLs. 2 = plain link: WebMoney appends nothing, so no
 * payer data lands in merchants' access logs, and nothing trusts the browser anyway (only the
 * signed Result URL notification settles a payment). The sandbox honours 0=GET, 1=POST, 2=link.
 */
export const RETURN_METHOD_LINK = '2';

/** Form fields WebMoney echoes back untouched, so callbacks carry our own ids. */
const PAYMENT_ID_FIELD = 'TOLEM_PAYMENT_ID';
const METHOD_FIELD = 'TOLEM_METHOD';

/** Fields that must never rest in the audit log (WebMoney can be set to send the secret key). */
const AUDIT_REDACTED_FIELDS: ReadonlySet<string> = new Set(['LMI_SECRET_KEY']);

/** Every notification field the signatures cover; all must be present. */
const SIGNED_FIELDS = [
  'LMI_PAYEE_PURSE',
  'LMI_PAYMENT_AMOUNT',
  'LMI_PAYMENT_NO',
  'LMI_MODE',
  'LMI_SYS_INVS_NO',
  'LMI_SYS_TRANS_NO',
  'LMI_SYS_TRANS_DATE',
  'LMI_PAYER_PURSE',
  'LMI_PAYER_WM',
] as const;

/** Fields copied into attributes that no signature covers: bounded so a body cannot bloat rows. */
const UNSIGNED_ATTRIBUTE_FIELDS = [
  'LMI_TELEPAT_PHONENUMBER',
  'LMI_TELEPAT_ORDERID',
  PAYMENT_ID_FIELD,
] as const;
const MAX_ATTRIBUTE_CHARS = 64;

/** Short texts for a refused pre-request: WebMoney may show them to the payer. */
const PRECHECK_TEXT: Partial<Record<ProviderErrorCode, string>> = {
  PROVIDER_MALFORMED_CALLBACK: 'Malformed request',
  PROVIDER_UNKNOWN_ORDER: 'Unknown order',
  PROVIDER_AMOUNT_MISMATCH: 'Amount does not match the order',
  PROVIDER_PURSE_MISMATCH: 'Wrong payee purse',
  PROVIDER_CURRENCY_MISMATCH: 'Payer purse currency does not match',
  PROVIDER_MODE_MISMATCH: 'Wrong mode',
  PROVIDER_ORDER_ALREADY_PAID: 'Order already paid',
  PROVIDER_PAYMENT_ALREADY_FINAL: 'Order closed',
};

/** A callback verdict reached before anything changed: a refusal with its reason. */
class Refusal extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    readonly note: string,
    readonly fields: string[] = [],
    readonly tx?: ProviderTransaction,
    readonly level: 'info' | 'warn' | 'error' = 'warn',
  ) {
    super(note);
  }
}

function invalid(message: string, field: string) {
  return providerErrors.create('PROVIDER_INVALID_REQUEST', message, { details: { field } });
}

/** A return URL WebMoney accepts: absolute http(s), at most 255 characters. */
function checkReturnUrl(url: string, field: string): string {
  const trimmed = url.trim();
  if (trimmed === '') return '';
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalid(`${field} must be an absolute URL`, field);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(`${field} must be http(s)`, field);
  if (trimmed.length > 255) throw invalid(`${field} must be at most 255 characters`, field);
  return trimmed;
}

/** LMI_SHOP_ID: the merchant's MegaStock catalogue number at WebMoney. */
function checkShopId(raw: string): string {
  const shopId = raw.trim();
  if (shopId === '') {
    throw providerErrors.create(
      'PROVIDER_SHOP_ID_REQUIRED',
      "WebMoney needs the merchant's LMI_SHOP_ID (provider_shop_id) for payments through an aggregator",
      { details: { field: 'provider_shop_id' } },
    );
  }
  // MegaStock catalogue numbers are digits; catching anything else here gives a clear code
  // instead of a refusal on WebMoney's page.
  if (!/^\d{1,12}$/.test(shopId)) {
    throw invalid(
      'provider_shop_id must be a MegaStock shop number (1-12 digits)',
      'provider_shop_id',
    );
  }
  return shopId;
}

function methodFor(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): MethodName {
  return isKeeperMobileNotification(fields) || tx.method === 'webmoney_keeper_mobile'
    ? 'webmoney_keeper_mobile'
    : 'webmoney_purse';
}

/**
 * WebMoney Merchant Interface (protocols.md §1): purse payments and WM Keeper Mobile payments
 * (phone + SMS code, seed 000) share one form, one Result URL and one signature scheme.
 */
export function createWebMoneyAdapter(deps: WebMoneyAdapterDeps): PaymentProvider {
  const { config, transactions } = deps;

  async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'webmoney_purse' && input.method !== 'webmoney_keeper_mobile') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `WebMoney does not serve ${input.method}`,
        {
          details: { method: input.method, provider: 'webmoney' },
        },
      );
    }
    // Validate everything before the first write, so bad input leaves no transaction behind.
    const purse = config.purses.get(input.amount.currency);
    if (!purse) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        `no WebMoney purse is configured for ${input.amount.currency}`,
        { details: { field: 'amount.currency', currency: input.amount.currency } },
      );
    }
    const shopId = checkShopId(input.providerShopId);
    const successUrl = checkReturnUrl(input.successUrl, 'success_url');
    const failUrl = checkReturnUrl(input.failUrl, 'fail_url');
    const phone =
      input.method === 'webmoney_keeper_mobile'
        ? normalizePayerPhone(input.payer['phone'])
        : undefined;

    const incoming = {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'webmoney' as const,
      method: input.method,
      amount: input.amount,
      amountText: toWebMoneyAmount(input.amount),
      payeePurse: purse,
    };
    const { transaction: stored, created } = await transactions.createOnce(incoming);
    let tx = stored;
    if (!created) {
      const field = startConflictField(stored, incoming);
      if (field) {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_CONFLICT',
          `payment ${input.paymentId} was started before with a different ${field}`,
          { details: { field } },
        );
      }
      if (stored.status !== 'created') {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_ALREADY_FINAL',
          `payment ${input.paymentId} is ${stored.status}`,
          {
            details: { status: stored.status },
          },
        );
      }
      if (stored.method !== input.method) {
        const changed = await transactions.changeMethod(stored.id, input.method);
        if (!changed) {
          throw providerErrors.create(
            'PROVIDER_PAYMENT_ALREADY_FINAL',
            `payment ${input.paymentId} is no longer unpaid`,
          );
        }
        tx = changed;
      }
    }

    // The stored row, not the request, fixes what WebMoney sees: the same order every time.
    const payeePurse = tx.payeePurse ?? purse;
    const orderNo = tx.orderNo.toString();
    const description = input.description.trim() || `Order ${orderNo}`;
    const fields: { name: string; value: string }[] = [
      { name: 'LMI_PAYEE_PURSE', value: payeePurse },
      { name: 'LMI_PAYMENT_AMOUNT', value: tx.amountText },
      { name: 'LMI_PAYMENT_NO', value: orderNo },
      { name: 'LMI_PAYMENT_DESC_BASE64', value: encodeDescription(description) },
      { name: 'LMI_SHOP_ID', value: shopId },
      { name: 'LMI_RESULT_URL', value: config.resultUrl },
    ];
    if (successUrl) {
      fields.push(
        { name: 'LMI_SUCCESS_URL', value: successUrl },
        { name: 'LMI_SUCCESS_METHOD', value: RETURN_METHOD_LINK },
      );
    }
    if (failUrl) {
      fields.push(
        { name: 'LMI_FAIL_URL', value: failUrl },
        { name: 'LMI_FAIL_METHOD', value: RETURN_METHOD_LINK },
      );
    }
    // Test mode only: 0 = the simulated payment always succeeds. Real mode must never send it.
    if (config.mode === '1') fields.push({ name: 'LMI_SIM_MODE', value: '0' });
    if (phone) fields.push({ name: 'LMI_PAYER_PHONE_NUMBER', value: phone });
    if (config.x20Secret) {
      fields.push({
        name: 'LMI_PAYMENTFORM_SIGN',
        value: paymentFormSign(payeePurse, tx.amountText, orderNo, config.x20Secret.reveal()),
      });
    }
    fields.push({ name: PAYMENT_ID_FIELD, value: tx.paymentId });
    if (tx.method === 'webmoney_keeper_mobile')
      fields.push({ name: METHOD_FIELD, value: 'keeper_mobile' });

    return {
      provider: 'webmoney',
      action: { kind: 'form_post', url: config.merchantUrl, fields, acceptCharset: 'utf-8' },
      providerReference: orderNo,
    };
  }

  /** The order a callback names, or a refusal. Also checks the echoed TOLEM_PAYMENT_ID. */
  async function findOrder(fields: ReadonlyMap<string, string>): Promise<ProviderTransaction> {
    const orderText = fields.get('LMI_PAYMENT_NO') ?? '';
    if (!/^\d{1,19}$/.test(orderText)) {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'LMI_PAYMENT_NO is not an integer', [
        'LMI_PAYMENT_NO',
      ]);
    }
    const tx = await transactions.findByOrderNo('webmoney', BigInt(orderText));
    if (!tx)
      throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'no transaction has this LMI_PAYMENT_NO', [
        'LMI_PAYMENT_NO',
      ]);
    const echoed = fields.get(PAYMENT_ID_FIELD);
    if (echoed !== undefined && echoed !== tx.paymentId) {
      throw new Refusal(
        'PROVIDER_UNKNOWN_ORDER',
        `${PAYMENT_ID_FIELD} does not belong to LMI_PAYMENT_NO`,
        [PAYMENT_ID_FIELD, 'LMI_PAYMENT_NO'],
      );
    }
    return tx;
  }

  /** Purse, payer purse currency, amount and mode against the stored order (§1.3, §1.4, §1.8). */
  function checkConsistency(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): void {
    const payee = fields.get('LMI_PAYEE_PURSE') ?? '';
    const expectedPurse = tx.payeePurse ?? config.purses.get(tx.amount.currency);
    if (payee !== expectedPurse || currencyOfPurse(payee) !== tx.amount.currency) {
      throw new Refusal(
        'PROVIDER_PURSE_MISMATCH',
        "LMI_PAYEE_PURSE is not the order's purse",
        ['LMI_PAYEE_PURSE'],
        tx,
      );
    }
    const payer = fields.get('LMI_PAYER_PURSE');
    if (payer !== undefined && payer.charAt(0) !== payee.charAt(0)) {
      throw new Refusal(
        'PROVIDER_CURRENCY_MISMATCH',
        'payer purse letter differs from the payee purse letter',
        ['LMI_PAYER_PURSE'],
        tx,
      );
    }
    const amount = fields.get('LMI_PAYMENT_AMOUNT') ?? '';
    if (amount !== tx.amountText) {
      // Only for the log: tell a formatting difference from a different sum.
      let sameValue = false;
      try {
        sameValue =
          fromWebMoneyAmount(amount, tx.amount.currency).amountMinor === tx.amount.amountMinor;
      } catch {
        sameValue = false;
      }
      throw new Refusal(
        'PROVIDER_AMOUNT_MISMATCH',
        sameValue
          ? 'LMI_PAYMENT_AMOUNT formatted differently from the amount sent'
          : 'LMI_PAYMENT_AMOUNT differs from the order',
        ['LMI_PAYMENT_AMOUNT'],
        tx,
      );
    }
    const mode = fields.get('LMI_MODE');
    if (mode !== undefined && mode !== config.mode) {
      throw new Refusal(
        'PROVIDER_MODE_MISMATCH',
        `LMI_MODE is not the configured mode ${config.mode}`,
        ['LMI_MODE'],
        tx,
      );
    }
  }

  /** §1.3: no signature; answer YES only for an open order with the exact purse and amount. */
  async function preRequest(fields: ReadonlyMap<string, string>): Promise<CallbackResult> {
    try {
      const missing = ['LMI_PAYEE_PURSE', 'LMI_PAYMENT_AMOUNT', 'LMI_PAYMENT_NO'].filter(
        (f) => !fields.get(f),
      );
      if (missing.length > 0)
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'pre-request lacks fields', missing);
      const tx = await findOrder(fields);
      checkConsistency(fields, tx);
      if (tx.status === 'succeeded') {
        throw new Refusal(
          'PROVIDER_ORDER_ALREADY_PAID',
          'pre-request for a paid order',
          ['LMI_PAYMENT_NO'],
          tx,
          'info',
        );
      }
      if (tx.status !== 'created') {
        throw new Refusal(
          'PROVIDER_PAYMENT_ALREADY_FINAL',
          `pre-request for a ${tx.status} order`,
          [],
          tx,
          'info',
        );
      }
      return {
        reply: textReply(200, 'YES'),
        outcome: 'precheck_accepted',
        verdict: 'precheck_accepted',
        paymentId: tx.paymentId,
        amount: tx.amount,
        method: methodFor(fields, tx),
        attributes: {},
      };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      // WebMoney refuses the payment on any body but YES; 200 keeps the text readable to it.
      return refused(err, 'precheck_refused', textReply(200, PRECHECK_TEXT[err.code] ?? 'Refused'));
    }
  }

  /** Signature first (nothing about our orders is revealed to an unsigned request), then §1.4 checks. */
  function verifySignature(fields: ReadonlyMap<string, string>): void {
    const missing = SIGNED_FIELDS.filter((f) => !fields.get(f));
    if (missing.length > 0)
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'notification lacks signed fields', [
        ...missing,
      ]);
    const hash = fields.get('LMI_HASH') ?? '';
    if (hash === '')
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH is missing', ['LMI_HASH']);
    const signed: NotificationSignedFields = {
      payeePurse: fields.get('LMI_PAYEE_PURSE') ?? '',
      amount: fields.get('LMI_PAYMENT_AMOUNT') ?? '',
      hold: fields.get('LMI_HOLD') || undefined,
      paymentNo: fields.get('LMI_PAYMENT_NO') ?? '',
      mode: fields.get('LMI_MODE') ?? '',
      invoiceNo: fields.get('LMI_SYS_INVS_NO') ?? '',
      transferNo: fields.get('LMI_SYS_TRANS_NO') ?? '',
      transferDate: fields.get('LMI_SYS_TRANS_DATE') ?? '',
      payerPurse: fields.get('LMI_PAYER_PURSE') ?? '',
      payerWmid: fields.get('LMI_PAYER_WM') ?? '',
    };
    const secret = config.secretKey.reveal();
    const type = lmiHashType(hash);
    if (type === undefined) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH is neither MD5, SHA-256 nor SIGN', [
        'LMI_HASH',
      ]);
    }
    if (type === 'sign' && !config.allowSignHash) {
      throw new Refusal(
        'PROVIDER_SIGNATURE_UNSUPPORTED',
        'LMI_HASH is a SIGN signature, which is not allowed',
        ['LMI_HASH'],
      );
    }
    // SIGN cannot be checked with the secret key; LMI_HASH2 then carries the whole proof.
    if (type !== 'sign' && !hexEquals(hash, lmiHash(signed, secret, type))) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', `LMI_HASH (${type}) does not match`, [
        'LMI_HASH',
      ]);
    }
    const hash2 = fields.get('LMI_HASH2') ?? '';
    if (hash2 === '') {
      if (config.requireHash2 || type === 'sign') {
        throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH2 is missing', ['LMI_HASH2']);
      }
      return;
    }
    if (!hexEquals(hash2, lmiHash2(signed, secret))) {
      throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'LMI_HASH2 does not match', ['LMI_HASH2']);
    }
  }

  async function notification(fields: ReadonlyMap<string, string>): Promise<CallbackResult> {
    try {
      verifySignature(fields);
      const oversized = UNSIGNED_ATTRIBUTE_FIELDS.filter(
        (f) => (fields.get(f) ?? '').length > MAX_ATTRIBUTE_CHARS,
      );
      if (oversized.length > 0) {
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'unsigned fields too long', oversized);
      }
      const tx = await findOrder(fields);
      checkConsistency(fields, tx);

      const transferNo = fields.get('LMI_SYS_TRANS_NO') ?? '';
      let current = tx;
      if (tx.status === 'created') {
        const settled = await transactions.markSucceeded(tx.id, {
          providerPaymentId: transferNo,
          method: methodFor(fields, tx),
          attributes: notificationAttributes(fields),
        });
        if (settled.conflict) {
          throw new Refusal(
            'PROVIDER_DUPLICATE_PAYMENT',
            'LMI_SYS_TRANS_NO already settled another order',
            ['LMI_SYS_TRANS_NO'],
            settled.transaction,
            'error',
          );
        }
        if (settled.changed) return succeeded(settled.transaction, 'accepted');
        current = settled.transaction;
      }
      if (current.status === 'succeeded' && current.providerPaymentId === transferNo) {
        // WebMoney repeating itself: answer as before; checkout and the ledger are idempotent.
        return succeeded(current, 'duplicate');
      }
      if (current.status === 'succeeded') {
        throw new Refusal(
          'PROVIDER_DUPLICATE_PAYMENT',
          'a different LMI_SYS_TRANS_NO for an order already paid: the payer may have paid twice',
          ['LMI_SYS_TRANS_NO', 'LMI_PAYMENT_NO'],
          current,
          'error',
        );
      }
      throw new Refusal(
        'PROVIDER_PAYMENT_ALREADY_FINAL',
        `notification for a ${current.status} order`,
        [],
        current,
        'error',
      );
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      // A refusal WebMoney can tell from success; the body is the stable reason code.
      return refused(err, 'rejected', textReply(400, err.code));
    }
  }

  function succeeded(tx: ProviderTransaction, verdict: 'accepted' | 'duplicate'): CallbackResult {
    return {
      reply: textReply(200, 'YES'),
      outcome: 'succeeded',
      verdict,
      paymentId: tx.paymentId,
      amount: tx.amount,
      method: tx.method,
      providerPaymentId: tx.providerPaymentId ?? undefined,
      attributes: { ...tx.attributes },
      diagnostics:
        verdict === 'duplicate'
          ? {
              note: 'repeated notification for a paid order',
              fields: ['LMI_SYS_TRANS_NO'],
              level: 'info',
            }
          : undefined,
    };
  }

  function refused(
    refusal: Refusal,
    verdict: 'rejected' | 'precheck_refused',
    reply: CallbackResult['reply'],
  ): CallbackResult {
    return {
      reply,
      outcome: 'rejected',
      verdict,
      paymentId: refusal.tx?.paymentId,
      attributes: {},
      reasonCode: refusal.code,
      diagnostics: { note: refusal.note, fields: refusal.fields, level: refusal.level },
    };
  }

  return {
    name: 'webmoney',
    methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
    startPayment,

    async handleCallback(raw: RawCallback): Promise<CallbackResult> {
      let fields: Map<string, string>;
      try {
        if (raw.method.toUpperCase() !== 'POST')
          throw new FormParseError(`method ${raw.method.slice(0, 10)}`);
        const contentType = (raw.headers['content-type'] ?? '').toLowerCase();
        if (contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
          throw new FormParseError('content-type is not application/x-www-form-urlencoded');
        }
        fields = parseFormBody(raw.body);
      } catch (err) {
        if (!(err instanceof FormParseError)) throw err;
        return refused(
          new Refusal('PROVIDER_MALFORMED_CALLBACK', `unreadable body: ${err.message}`),
          'rejected',
          textReply(400, 'PROVIDER_MALFORMED_CALLBACK'),
        );
      }
      return fields.get('LMI_PREREQUEST') === '1' ? preRequest(fields) : notification(fields);
    },

    redactForAudit(raw) {
      return { ...raw, body: redactFormFields(raw.body, AUDIT_REDACTED_FIELDS) };
    },
  };
}
