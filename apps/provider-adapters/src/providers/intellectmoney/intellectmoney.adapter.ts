import type { Secret } from '@tolem/config';
import { isDomainError } from '@tolem/errors';

import {
  type CallbackOutcome,
  type CallbackResult,
  type CardBinding,
  type RawCallback,
  textReply,
} from '../../domain/callback';
import { providerErrors } from '../../domain/errors';
import type { Clock, ProviderHttp, ProviderTransactionRepository } from '../../domain/ports';
import { isFinal, type ProviderTransaction } from '../../domain/provider-transaction';
import type {
  ChargeBoundCardInput,
  ChargeResult,
  PaymentProvider,
  PaymentStatusResult,
  StartPaymentInput,
  StartPaymentResult,
} from '../provider.port';
import { decimalEquals } from '../shared/decimal';
import {
  FormParseError,
  parseFormBody,
  parseFormBodyWindows1251,
  redactFormFields,
} from '../shared/form-urlencoded';
import { Refusal, refusedResult } from '../shared/refusal';
import { checkReturnUrl, startOnce } from '../shared/start-once';
import { createPersonalApi, type OperationResult, RESULT_STATE } from './personal-api';
import { fieldValue, hexEquals, notificationHashes, purchaseHash } from './signatures';
import {
  ATTR,
  CARD_MASK_FIELDS,
  cardLast4Of,
  declineKindOf,
  INTELLECTMONEY_CURRENCIES,
  type IntellectMoneyStatus,
  paymentStatusOf,
  recurringStateOf,
  sameCurrency,
  serviceNameOf,
  toIntellectMoneyAmount,
} from './transformers';

export interface IntellectMoneyConfig {
  /** The merchant payment form (https://merchant.intellectmoney.ru/ru/, or the sandbox's). */
  paymentUrl: string;
  /** The API base (https://api.intellectmoney.ru, or the sandbox's), no trailing slash. */
  apiUrl: string;
  /** The shop's eshopId. */
  eshopId: string;
  /** The shop's SecretKey: form hash and notification hash (MD5). */
  secretKey: Secret;
  /** Personal API Bearer token. */
  bearerToken: Secret;
  /** SignSecretKey for the Personal API `Sign` header (SHA-256). */
  signSecret: Secret;
  /** Personal API UserToken, when the account needs one. */
  userToken?: Secret;
  /** Notification hash field order (INTELLECTMONEY_HASH_ORDER), `secretKey` where the key goes. */
  hashOrder: readonly string[];
  /** resultUrl sent with every form: the gateway's callback endpoint for IntellectMoney. */
  resultUrl: string;
}

export interface IntellectMoneyAdapterDeps {
  config: IntellectMoneyConfig;
  transactions: ProviderTransactionRepository;
  http: ProviderHttp;
  clock: Clock;
  /**
   * How long a charge waits for IntellectMoney to run its one-shot operation before answering
   * PENDING (default 8 reads, 500 ms apart).
   */
  chargePoll?: { attempts: number; intervalMs: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Form fields IntellectMoney echoes back in notifications (userFieldName_N / userField_N). */
const PAYMENT_ID_LABEL = 'tolem_payment_id';
const PAYMENT_ID_FIELD = 'userField_1';

/** The shop can be set to send its SecretKey instead of a hash: never let it rest in the audit log. */
const AUDIT_REDACTED_FIELDS: ReadonlySet<string> = new Set(['secretKey', 'SecretKey']);

/** Attributes a merchant sees; the rest (binding bookkeeping) stays in the adapter. */
const MERCHANT_ATTRIBUTES = [ATTR.invoiceId, ATTR.paidAt, ATTR.cardLast4] as const;

/** The only answer IntellectMoney takes as delivered: HTTP 200, body exactly `OK`. */
const OK_REPLY = textReply(200, 'OK');

function merchantAttributes(tx: ProviderTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of MERCHANT_ATTRIBUTES) {
    const value = tx.attributes[key];
    if (value) out[key] = value;
  }
  return out;
}

const REMEMBER_VALUES = new Set(['true', '1', 'yes', 'on']);

/**
 * IntellectMoney (protocols.md §3): card payments through the merchant payment form with the MD5
 * `hash`, optionally binding the card (recurringType=Activate); Result URL notifications verified
 * against the configured hash order and answered `OK`; charges of bound cards through one-shot
 * scheduled operations of the Personal API (Bearer token + SHA-256 `Sign`).
 */
export function createIntellectMoneyAdapter(deps: IntellectMoneyAdapterDeps): PaymentProvider {
  const { config, transactions } = deps;
  const api = createPersonalApi(config, deps.http);
  const poll = deps.chargePoll ?? { attempts: 8, intervalMs: 500 };

  async function startPayment(input: StartPaymentInput): Promise<StartPaymentResult> {
    if (input.method !== 'card') {
      throw providerErrors.create(
        'PROVIDER_METHOD_UNSUPPORTED',
        `IntellectMoney does not serve ${input.method}`,
        { details: { method: input.method, provider: 'intellectmoney' } },
      );
    }
    if (!INTELLECTMONEY_CURRENCIES.has(input.amount.currency)) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        `IntellectMoney does not take ${input.amount.currency}`,
        { details: { field: 'amount.currency', currency: input.amount.currency } },
      );
    }
    const successUrl = checkReturnUrl(input.successUrl, 'success_url');
    const failUrl = checkReturnUrl(input.failUrl, 'fail_url');
    const rememberCard = REMEMBER_VALUES.has((input.payer['remember_card'] ?? '').toLowerCase());
    const email = (input.payer['email'] ?? '').trim();

    const { transaction: stored } = await startOnce(transactions, {
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'intellectmoney',
      method: 'card',
      amount: input.amount,
      amountText: toIntellectMoneyAmount(input.amount),
      payeePurse: null,
      attributes: { [ATTR.rememberCard]: String(rememberCard) },
    });
    let tx = stored;
    // The latest choice wins while unpaid: a card is bound only if the form that paid asked.
    if (tx.attributes[ATTR.rememberCard] !== String(rememberCard)) {
      const updated = await transactions.update(tx.id, {
        attributes: { [ATTR.rememberCard]: String(rememberCard) },
      });
      if (!updated.changed) {
        throw providerErrors.create(
          'PROVIDER_PAYMENT_ALREADY_FINAL',
          `payment ${input.paymentId} is no longer unpaid`,
        );
      }
      tx = updated.transaction;
    }

    const orderId = tx.orderNo.toString();
    const serviceName = serviceNameOf(input.description, tx.paymentId);
    const currency = tx.amount.currency;
    const hash = purchaseHash(
      {
        eshopId: config.eshopId,
        orderId,
        serviceName,
        recipientAmount: tx.amountText,
        recipientCurrency: currency,
        recurringType: rememberCard ? 'Activate' : undefined,
      },
      config.secretKey.reveal(),
    );
    const fields: { name: string; value: string }[] = [
      { name: 'eshopId', value: config.eshopId },
      { name: 'orderId', value: orderId },
      { name: 'serviceName', value: serviceName },
      { name: 'recipientAmount', value: tx.amountText },
      { name: 'recipientCurrency', value: currency },
    ];
    if (email) fields.push({ name: 'email', value: email });
    if (successUrl) fields.push({ name: 'successUrl', value: successUrl });
    if (failUrl) fields.push({ name: 'failUrl', value: failUrl });
    fields.push(
      { name: 'resultUrl', value: config.resultUrl },
      // Binding only works for card payments, so the page offers cards only.
      { name: 'preference', value: 'bankCard' },
    );
    if (rememberCard) fields.push({ name: 'recurringType', value: 'Activate' });
    fields.push(
      { name: 'userFieldName_1', value: PAYMENT_ID_LABEL },
      { name: PAYMENT_ID_FIELD, value: tx.paymentId },
      { name: 'hash', value: hash },
    );
    return {
      provider: 'intellectmoney',
      action: { kind: 'form_post', url: config.paymentUrl, fields, acceptCharset: 'utf-8' },
      providerReference: orderId,
    };
  }

  // --- Notifications (§3.4) ---------------------------------------------------------------------

  /** A form body in UTF-8, or in windows-1251 when it says so or is not UTF-8. */
  function readForm(raw: RawCallback): Map<string, string> {
    if (raw.method.toUpperCase() !== 'POST')
      throw new FormParseError(`method ${raw.method.slice(0, 10)}`);
    const contentType = (raw.headers['content-type'] ?? '').toLowerCase();
    if (contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
      throw new FormParseError('content-type is not application/x-www-form-urlencoded');
    }
    if (/charset=(windows-1251|cp1251)/.test(contentType))
      return parseFormBodyWindows1251(raw.body);
    try {
      return parseFormBody(raw.body);
    } catch (err) {
      if (err instanceof FormParseError && /UTF-8|percent-encoding/.test(err.message)) {
        return parseFormBodyWindows1251(raw.body);
      }
      throw err;
    }
  }

  /** The hash first: an unsigned request learns nothing about our orders. */
  function verifyHash(fields: ReadonlyMap<string, string>): void {
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

  async function findTransaction(
    fields: ReadonlyMap<string, string>,
  ): Promise<ProviderTransaction> {
    const missing = [
      'eshopId',
      'orderId',
      'recipientAmount',
      'recipientCurrency',
      'paymentStatus',
    ].filter((name) => fieldValue(fields, name) === '');
    if (missing.length > 0)
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'notification lacks fields', missing);
    if (fieldValue(fields, 'eshopId') !== config.eshopId) {
      throw new Refusal('PROVIDER_ACCOUNT_MISMATCH', 'eshopId is not our shop', ['eshopId']);
    }
    const orderId = fieldValue(fields, 'orderId');
    let tx: ProviderTransaction | undefined;
    if (/^\d{1,19}$/.test(orderId)) {
      tx = await transactions.findByOrderNo('intellectmoney', BigInt(orderId));
    }
    if (!tx) {
      // A bound-card charge's invoice is named by the scheduled operation that created it (the
      // field name is not public, protocols.md §3.8: cronOperationId after §3.5's CronOperationId).
      const operationId =
        fieldValue(fields, 'cronOperationId') || fieldValue(fields, 'scheduledOperationId');
      if (operationId) tx = await transactions.findByExternalRef('intellectmoney', operationId);
    }
    if (!tx) {
      throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'no transaction has this orderId', ['orderId']);
    }
    const echoed = fields.get(PAYMENT_ID_FIELD);
    if (echoed !== undefined && echoed !== '' && echoed !== tx.paymentId) {
      throw new Refusal(
        'PROVIDER_UNKNOWN_ORDER',
        `${PAYMENT_ID_FIELD} does not belong to orderId`,
        [PAYMENT_ID_FIELD, 'orderId'],
      );
    }
    return tx;
  }

  function checkConsistency(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): void {
    if (!sameCurrency(fieldValue(fields, 'recipientCurrency'), tx.amount.currency)) {
      throw new Refusal(
        'PROVIDER_CURRENCY_MISMATCH',
        'recipientCurrency differs from the order',
        ['recipientCurrency'],
        tx,
      );
    }
    if (!decimalEquals(fieldValue(fields, 'recipientAmount'), tx.amount)) {
      throw new Refusal(
        'PROVIDER_AMOUNT_MISMATCH',
        'recipientAmount differs from the order',
        ['recipientAmount'],
        tx,
      );
    }
  }

  /**
   * The card binding a notification reports. recurringState is outside the hash (§3.4), so it is
   * believed only for a payment whose form asked to bind the card.
   */
  function bindingOf(
    fields: ReadonlyMap<string, string>,
    tx: ProviderTransaction,
    invoiceId: string,
  ): CardBinding | undefined {
    const state = recurringStateOf(fieldValue(fields, 'recurringState'));
    if (!state || tx.kind !== 'payment' || tx.attributes[ATTR.rememberCard] !== 'true')
      return undefined;
    const mask = CARD_MASK_FIELDS.map((f) => fieldValue(fields, f)).find((v) => v !== '');
    // The binding id IntellectMoney reports is the invoice that bound the card (ObjectId later).
    const bindingRef = fieldValue(fields, 'recurringBindingId') || invoiceId;
    return { bindingRef, state, cardLast4: cardLast4Of(mask) };
  }

  function bindingAttributes(binding: CardBinding | undefined): Record<string, string> {
    if (!binding) return {};
    const attrs: Record<string, string> = {
      [ATTR.recurringState]: binding.state,
      [ATTR.bindingRef]: binding.bindingRef,
    };
    if (binding.cardLast4) attrs[ATTR.cardLast4] = binding.cardLast4;
    return attrs;
  }

  function storedBinding(tx: ProviderTransaction): CardBinding | undefined {
    const state = tx.attributes[ATTR.recurringState];
    const ref = tx.attributes[ATTR.bindingRef];
    if ((state !== 'activated' && state !== 'error') || !ref) return undefined;
    return { bindingRef: ref, state, cardLast4: tx.attributes[ATTR.cardLast4] ?? '' };
  }

  function outcomeOf(tx: ProviderTransaction): CallbackOutcome {
    switch (tx.status) {
      case 'succeeded':
        return 'succeeded';
      case 'failed':
        return 'failed';
      case 'manual_review':
        return 'manual_review';
      case 'created':
      case 'pending':
        return 'pending';
    }
  }

  function answer(
    tx: ProviderTransaction,
    verdict: 'accepted' | 'duplicate',
    note?: { text: string; level: 'info' | 'warn' | 'error' },
  ): CallbackResult {
    const outcome = outcomeOf(tx);
    return {
      reply: OK_REPLY,
      outcome,
      verdict,
      paymentId: tx.paymentId,
      amount: tx.amount,
      method: tx.method,
      providerPaymentId: tx.providerPaymentId ?? undefined,
      attributes: merchantAttributes(tx),
      reasonCode: outcome === 'failed' ? (tx.reasonCode ?? 'PROVIDER_PAYMENT_FAILED') : undefined,
      declineCode: tx.declineCode ?? undefined,
      cardBinding: tx.kind === 'payment' ? storedBinding(tx) : undefined,
      diagnostics: note
        ? { note: note.text, fields: ['paymentStatus'], level: note.level }
        : undefined,
    };
  }

  /** Applies one verified, consistent notification; never moves a final transaction. */
  async function apply(
    fields: ReadonlyMap<string, string>,
    tx: ProviderTransaction,
    status: IntellectMoneyStatus,
  ): Promise<CallbackResult> {
    const invoiceId = fieldValue(fields, 'paymentId');
    const attrs: Record<string, string> = { [ATTR.status]: fieldValue(fields, 'paymentStatus') };
    if (invoiceId) attrs[ATTR.invoiceId] = invoiceId;
    const paidAt = fieldValue(fields, 'paymentData');
    if (paidAt) attrs[ATTR.paidAt] = paidAt.slice(0, 32);

    if (status === 'paid') {
      if (!invoiceId) {
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'a paid notification needs paymentId', [
          'paymentId',
        ]);
      }
      const binding = bindingOf(fields, tx, invoiceId);
      if (!isFinal(tx.status)) {
        const settled = await transactions.markSucceeded(tx.id, {
          providerPaymentId: invoiceId,
          method: 'card',
          attributes: { ...attrs, ...bindingAttributes(binding) },
        });
        if (settled.conflict) {
          throw new Refusal(
            'PROVIDER_DUPLICATE_PAYMENT',
            'paymentId already settled another order',
            ['paymentId'],
            settled.transaction,
            'error',
          );
        }
        if (settled.changed) return answer(settled.transaction, 'accepted');
        tx = settled.transaction;
      }
      if (tx.status === 'succeeded' && tx.providerPaymentId === invoiceId) {
        // A repeat; it may carry recurringState the first one lacked.
        if (binding && !storedBinding(tx)) {
          const merged = await transactions.update(
            tx.id,
            { attributes: bindingAttributes(binding) },
            ['succeeded'],
          );
          return answer(merged.transaction, 'duplicate', {
            text: 'repeated paid notification with the card binding',
            level: 'info',
          });
        }
        return answer(tx, 'duplicate', { text: 'repeated paid notification', level: 'info' });
      }
      if (tx.status === 'succeeded') {
        throw new Refusal(
          'PROVIDER_DUPLICATE_PAYMENT',
          'a different paymentId for an order already paid: the payer may have paid twice',
          ['paymentId', 'orderId'],
          tx,
          'error',
        );
      }
      // Paid after we recorded it cancelled: money moved for a closed order.
      return answer(tx, 'duplicate', {
        text: 'paid notification for a cancelled order: reconcile (refund) by hand',
        level: 'error',
      });
    }

    if (isFinal(tx.status)) {
      const late =
        status === 'cancelled' && tx.status === 'succeeded'
          ? {
              text: 'cancel/return notification after payment: reconcile by hand',
              level: 'error' as const,
            }
          : {
              text: `late ${status} notification for a ${tx.status} order`,
              level: 'info' as const,
            };
      return answer(tx, 'duplicate', late);
    }

    switch (status) {
      case 'created': {
        const updated = await transactions.update(tx.id, { attributes: attrs });
        return answer(updated.transaction, updated.changed ? 'accepted' : 'duplicate');
      }
      case 'held':
      case 'partially_paid': {
        const updated = await transactions.update(tx.id, { status: 'pending', attributes: attrs });
        return answer(
          updated.transaction,
          updated.changed ? 'accepted' : 'duplicate',
          status === 'partially_paid'
            ? { text: 'partially paid: waiting for the rest', level: 'warn' }
            : undefined,
        );
      }
      case 'cancelled': {
        const updated = await transactions.update(tx.id, {
          status: 'failed',
          attributes: attrs,
          reasonCode:
            tx.kind === 'bound_card_charge' ? 'PROVIDER_CARD_DECLINED' : 'PROVIDER_PAYMENT_FAILED',
        });
        return answer(updated.transaction, updated.changed ? 'accepted' : 'duplicate');
      }
    }
  }

  async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
    let fields: Map<string, string>;
    try {
      fields = readForm(raw);
    } catch (err) {
      if (!(err instanceof FormParseError)) throw err;
      return refusedResult(
        new Refusal('PROVIDER_MALFORMED_CALLBACK', `unreadable body: ${err.message}`),
        textReply(400, 'PROVIDER_MALFORMED_CALLBACK'),
      );
    }
    try {
      verifyHash(fields);
      const status = paymentStatusOf(fieldValue(fields, 'paymentStatus'));
      const tx = await findTransaction(fields);
      if (!status) {
        throw new Refusal(
          'PROVIDER_MALFORMED_CALLBACK',
          'unknown paymentStatus',
          ['paymentStatus'],
          tx,
        );
      }
      checkConsistency(fields, tx);
      return await apply(fields, tx, status);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      // Anything but `OK` makes IntellectMoney report a failed delivery; the body is the reason.
      return refusedResult(err, textReply(400, err.code));
    }
  }

  // --- Bound-card charges (§3.5, seed 003) --------------------------------------------------------

  function chargeResult(tx: ProviderTransaction, replayed: boolean): ChargeResult {
    const outcome =
      tx.status === 'succeeded' ? 'succeeded' : tx.status === 'failed' ? 'failed' : 'pending';
    const result: ChargeResult = { outcome, replayed, amount: tx.amount };
    if (tx.declineCode) {
      result.declineCode = tx.declineCode;
      result.declineKind = declineKindOf(tx.declineCode);
    }
    if (tx.providerPaymentId) result.providerPaymentId = tx.providerPaymentId;
    if (tx.externalRef) result.providerOperationId = tx.externalRef;
    if (outcome !== 'succeeded' && tx.reasonCode) result.reasonCode = tx.reasonCode;
    return result;
  }

  /**
   * Records what IntellectMoney said about an operation's execution. Moves only open charges,
   * except that a charge a notification already failed (status 4 carries no code) still gets
   * its decline code.
   */
  async function settleCharge(
    tx: ProviderTransaction,
    op: OperationResult,
  ): Promise<ProviderTransaction> {
    const attributes: Record<string, string> = { [ATTR.operationId]: op.operationId };
    if (op.invoiceId) attributes[ATTR.invoiceId] = op.invoiceId;
    switch (op.state) {
      case 'approved':
        return (
          await transactions.markSucceeded(tx.id, {
            providerPaymentId: op.invoiceId ?? `operation:${op.operationId}`,
            method: 'card',
            attributes,
          })
        ).transaction;
      case 'declined':
        return (
          await transactions.update(
            tx.id,
            {
              status: 'failed',
              declineCode: op.declineCode ?? null,
              reasonCode: 'PROVIDER_CARD_DECLINED',
              attributes,
            },
            ['created', 'pending', 'manual_review', 'failed'],
          )
        ).transaction;
      case 'refused':
        return (
          await transactions.update(tx.id, {
            status: 'failed',
            reasonCode:
              op.refusal === 'binding_cancelled'
                ? 'PROVIDER_BINDING_INACTIVE'
                : 'PROVIDER_REQUEST_REFUSED',
            attributes,
          })
        ).transaction;
      case 'pending':
        return tx;
    }
  }

  /** Whether asking IntellectMoney could still tell something about the charge. */
  const worthAsking = (tx: ProviderTransaction) =>
    tx.kind === 'bound_card_charge' &&
    tx.externalRef !== null &&
    (!isFinal(tx.status) || (tx.status === 'failed' && !tx.declineCode));

  async function refreshCharge(tx: ProviderTransaction): Promise<ProviderTransaction> {
    if (!worthAsking(tx) || !tx.externalRef) return tx;
    return settleCharge(tx, await api.readOperation(tx.externalRef));
  }

  /**
   * Waits briefly for IntellectMoney to run a just-created operation (it runs when due, on its own
   * schedule), so most charges answer with their result rather than PENDING.
   */
  async function awaitExecution(tx: ProviderTransaction): Promise<ProviderTransaction> {
    let current = tx;
    for (let attempt = 0; attempt < poll.attempts; attempt += 1) {
      current = await refreshCharge(current);
      if (!worthAsking(current)) return current;
      await sleep(poll.intervalMs);
    }
    return current;
  }

  /** The field in which a retried charge differs from the first request with its key. */
  function chargeConflictField(
    tx: ProviderTransaction,
    input: ChargeBoundCardInput,
  ): string | undefined {
    if (tx.kind !== 'bound_card_charge') return 'payment_id';
    if (tx.paymentId !== input.paymentId) return 'payment_id';
    if (tx.merchantId !== input.merchantId) return 'merchant_id';
    if (tx.attributes[ATTR.bindingRef] !== input.bindingRef) return 'binding_ref';
    if (tx.amount.currency !== input.amount.currency) return 'currency';
    if (tx.amount.amountMinor !== input.amount.amountMinor) return 'amount';
    if (tx.idempotencyKey !== input.idempotencyKey) return 'idempotency_key';
    return undefined;
  }

  /** A replay answers from what is stored, asking IntellectMoney only while the result is open. */
  async function replay(tx: ProviderTransaction): Promise<ChargeResult> {
    try {
      return chargeResult(await refreshCharge(tx), true);
    } catch (err) {
      if (!isDomainError(err) || !err.retriable) throw err;
      return chargeResult(tx, true);
    }
  }

  async function chargeBoundCard(input: ChargeBoundCardInput): Promise<ChargeResult> {
    if (!config.userToken) {
      throw providerErrors.create(
        'PROVIDER_OPERATION_UNSUPPORTED',
        'bound-card charges need INTELLECTMONEY_USER_TOKEN (Personal API UserToken)',
        { details: { provider: 'intellectmoney', operation: 'chargeBoundCard' } },
      );
    }
    if (!INTELLECTMONEY_CURRENCIES.has(input.amount.currency)) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_UNSUPPORTED',
        `IntellectMoney does not take ${input.amount.currency}`,
        { details: { field: 'amount.currency', currency: input.amount.currency } },
      );
    }
    const conflict = (field: string) =>
      providerErrors.create(
        'PROVIDER_IDEMPOTENCY_CONFLICT',
        `idempotency key ${input.idempotencyKey} was used for a different charge (${field})`,
        { details: { field } },
      );

    const previous = await transactions.findByIdempotencyKey(
      'intellectmoney',
      input.idempotencyKey,
    );
    if (previous) {
      const field = chargeConflictField(previous, input);
      if (field) throw conflict(field);
      return replay(previous);
    }

    const source = await transactions.findByProviderPaymentId('intellectmoney', input.bindingRef);
    if (!source || source.kind !== 'payment' || source.merchantId !== input.merchantId) {
      throw providerErrors.create(
        'PROVIDER_BINDING_NOT_FOUND',
        'no card binding with this reference for the merchant',
        { details: { field: 'binding_ref' } },
      );
    }
    if (source.attributes[ATTR.recurringState] !== 'activated') {
      throw providerErrors.create(
        'PROVIDER_BINDING_INACTIVE',
        'the card binding was not activated',
        {
          details: {
            field: 'binding_ref',
            state: source.attributes[ATTR.recurringState] ?? 'none',
          },
        },
      );
    }
    if (source.amount.currency !== input.amount.currency) {
      throw providerErrors.create(
        'PROVIDER_CURRENCY_MISMATCH',
        `the card was bound for ${source.amount.currency} charges`,
        { details: { field: 'amount.currency' } },
      );
    }

    const amountText = toIntellectMoneyAmount(input.amount);
    const { transaction: stored, created } = await transactions.createOnce({
      paymentId: input.paymentId,
      merchantId: input.merchantId,
      provider: 'intellectmoney',
      method: 'card',
      amount: input.amount,
      amountText,
      payeePurse: null,
      kind: 'bound_card_charge',
      idempotencyKey: input.idempotencyKey,
      requestFingerprint: [
        input.merchantId,
        input.bindingRef,
        amountText,
        input.amount.currency,
      ].join('|'),
      attributes: { [ATTR.bindingRef]: input.bindingRef },
    });
    if (!created) {
      const field = chargeConflictField(stored, input);
      if (field) throw conflict(field);
      return replay(stored);
    }

    // Claim the send: only the request that moves created -> pending calls IntellectMoney, and a
    // pending charge without an operation id is never sent again (at most one charge).
    const claimed = await transactions.update(stored.id, { status: 'pending' }, ['created']);
    if (!claimed.changed) return chargeResult(claimed.transaction, true);

    let operationId: string;
    try {
      operationId = await api.createSingleCharge({
        objectId: input.bindingRef,
        amountText,
        startAt: deps.clock(),
      });
    } catch (err) {
      if (isDomainError(err) && err.code === 'PROVIDER_REQUEST_REFUSED') {
        const state = err.details['result_state'];
        const reasonCode =
          state === String(RESULT_STATE.bindingNotFound)
            ? 'PROVIDER_BINDING_NOT_FOUND'
            : state === String(RESULT_STATE.bindingCancelled)
              ? 'PROVIDER_BINDING_INACTIVE'
              : 'PROVIDER_REQUEST_REFUSED';
        const failed = await transactions.update(stored.id, { status: 'failed', reasonCode });
        return chargeResult(failed.transaction, false);
      }
      // No usable answer: the operation may exist. Leave it pending and unconfirmed, never resend.
      if (!isDomainError(err)) throw err;
      const unconfirmed = await transactions.update(stored.id, {
        reasonCode: 'PROVIDER_CHARGE_UNCONFIRMED',
      });
      return chargeResult(unconfirmed.transaction, false);
    }
    const linked = await transactions.update(
      stored.id,
      { externalRef: operationId, attributes: { [ATTR.operationId]: operationId } },
      ['pending', 'succeeded', 'failed'],
    );
    try {
      return chargeResult(await awaitExecution(linked.transaction), false);
    } catch (err) {
      // The operation exists; its result comes with a later query or notification.
      if (!isDomainError(err) || !err.retriable) throw err;
      return chargeResult(linked.transaction, false);
    }
  }

  async function queryStatus(tx: ProviderTransaction): Promise<PaymentStatusResult> {
    const view = (t: ProviderTransaction, checkedWithProvider: boolean): PaymentStatusResult => ({
      transaction: t,
      checkedWithProvider,
      providerReference:
        t.kind === 'bound_card_charge' ? (t.externalRef ?? '') : t.orderNo.toString(),
      attributes: merchantAttributes(t),
    });
    if (tx.kind === 'bound_card_charge' && !isFinal(tx.status) && tx.externalRef) {
      return view(await refreshCharge(tx), true);
    }
    // Invoices have no status call in the public material; notifications keep them current.
    return view(tx, false);
  }

  return {
    name: 'intellectmoney',
    methods: ['card'],
    startPayment,
    handleCallback,
    chargeBoundCard,
    queryStatus,
    redactForAudit(raw) {
      return { ...raw, body: redactFormFields(raw.body, AUDIT_REDACTED_FIELDS) };
    },
  };
}
