import { isCurrencyCode, type Money } from '@tolem/money';

import {
  type AlternativeReplies,
  type CallbackDecision,
  type CallbackOutcome,
  type CallbackResult,
  type CardBinding,
  type RawCallback,
  textReply,
} from '../../domain/callback';
import {
  isFinal,
  MAX_PROVIDER_PAYMENT_ID_LENGTH,
  type ProviderTransaction,
} from '../../domain/provider-transaction';
import { decimalEquals, decimalMoney } from '../shared/decimal';
import {
  classifyReceived,
  type ReceivedMoney,
  reportExtraTransfer,
  settlementRepeatNote,
} from '../shared/extra-transfer';
import {
  FormParseError,
  parseFormBody,
  parseFormBodyWindows1251,
  redactFormFields,
} from '../shared/form-urlencoded';
import { Refusal, refusedResult } from '../shared/refusal';
import type { IntellectMoneyContext } from './config';
import { fieldValue, verifyNotificationHash } from './signatures';
import {
  ATTR,
  CARD_MASK_FIELDS,
  cardLast4Of,
  type IntellectMoneyStatus,
  merchantAttributes,
  PAYMENT_ID_FIELD,
  paymentStatusOf,
  recurringStateOf,
  sameCurrency,
  storedBinding,
} from './transformers';

/** The shop can be set to send its SecretKey instead of a hash: never let it rest in the audit log. */
const AUDIT_REDACTED_FIELDS: ReadonlySet<string> = new Set(['secretkey']);

/** The only answer IntellectMoney takes as delivered: HTTP 200, body exactly `OK`. */
const OK_REPLY = textReply(200, 'OK');

/**
 * Only HTTP 200 with body exactly `OK` counts as delivered (protocols.md §3.4): a 503 with any
 * other body leaves the notification undelivered for IntellectMoney, which reports it and may
 * send it again (its schedule is not public, so Tolem's own sweepers never depend on it); the
 * body names why. A refusal is the same non-`OK` shape with a 4xx, like the adapter's own.
 */
const REPLIES: AlternativeReplies = {
  retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
  refusalReply: textReply(400, 'PROVIDER_PAYMENT_ALREADY_FINAL'),
};

/** Keeps the shop's SecretKey out of the audit log if the shop is set to send it. */
export function redactForAudit(raw: RawCallback): RawCallback {
  return { ...raw, body: redactFormFields(raw.body, AUDIT_REDACTED_FIELDS) };
}

/**
 * Result URL notifications (§3.4): the hash checked against the configured field order, then the
 * invoice's status applied once (and a card binding recorded) and answered `OK`.
 */
export function makeHandleCallback(ctx: IntellectMoneyContext) {
  const { config, transactions } = ctx;

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
  ): CallbackDecision {
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
      cardBinding: storedBinding(tx),
      diagnostics: note
        ? { note: note.text, fields: ['paymentStatus'], level: note.level }
        : undefined,
    };
  }

  /**
   * What a signed paid notification says arrived: recipientAmount in recipientCurrency (RUR is
   * RUB). A currency Tolem does not book, or an amount that is not a plain decimal of it, is
   * malformed, never guessed.
   */
  function receivedAmount(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): Money {
    const code = fieldValue(fields, 'recipientCurrency');
    const currency = sameCurrency(code, tx.amount.currency) ? tx.amount.currency : code;
    if (!isCurrencyCode(currency)) {
      throw new Refusal(
        'PROVIDER_CURRENCY_MISMATCH',
        'recipientCurrency is not a currency Tolem books',
        ['recipientCurrency'],
        tx,
        'error',
      );
    }
    try {
      return decimalMoney(fieldValue(fields, 'recipientAmount'), currency);
    } catch {
      throw new Refusal(
        'PROVIDER_MALFORMED_CALLBACK',
        'recipientAmount is not a decimal amount',
        ['recipientAmount'],
        tx,
      );
    }
  }

  /**
   * A verified paid notification: it settles an open order of exactly its amount once. Any other
   * money it reports (another amount or currency, a second invoice paid for an order already
   * paid, payment of an order we hold as cancelled) is recorded and reported as received, so
   * checkout holds it in a case before IntellectMoney gets its `OK`: refusing would leave money
   * IntellectMoney moved recorded nowhere.
   */
  async function settle(
    fields: ReadonlyMap<string, string>,
    tx: ProviderTransaction,
    received: ReceivedMoney,
  ): Promise<CallbackDecision> {
    const binding = bindingOf(fields, tx, received.providerPaymentId);
    let current = tx;
    for (;;) {
      const reason = classifyReceived(current, received);
      if (reason !== undefined) {
        const extra = await reportExtraTransfer(transactions, current, reason, received, [
          'paymentId',
          'recipientAmount',
          'recipientCurrency',
        ]);
        return { ...extra, reply: OK_REPLY };
      }
      if (current.status === 'succeeded') {
        // A repeat; it may carry recurringState the first one lacked.
        if (binding && !storedBinding(current)) {
          const merged = await transactions.update(
            current.id,
            { attributes: bindingAttributes(binding) },
            ['succeeded'],
          );
          return answer(merged.transaction, 'duplicate', {
            text: 'repeated paid notification with the card binding',
            level: 'info',
          });
        }
        return answer(current, 'duplicate', settlementRepeatNote(current, received));
      }
      const settled = await transactions.markSucceeded(current.id, {
        providerPaymentId: received.providerPaymentId,
        method: 'card',
        attributes: { ...received.attributes, ...bindingAttributes(binding) },
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
      current = settled.transaction;
    }
  }

  /** Applies one verified, consistent notification; never moves a final transaction. */
  async function apply(
    fields: ReadonlyMap<string, string>,
    tx: ProviderTransaction,
    status: IntellectMoneyStatus,
  ): Promise<CallbackDecision> {
    const invoiceId = fieldValue(fields, 'paymentId');
    if (invoiceId.length > MAX_PROVIDER_PAYMENT_ID_LENGTH) {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'paymentId is too long', ['paymentId']);
    }
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
      return settle(fields, tx, {
        providerPaymentId: invoiceId,
        amount: receivedAmount(fields, tx),
        method: 'card',
        attributes: attrs,
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

  async function decide(raw: RawCallback): Promise<CallbackDecision> {
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
      verifyNotificationHash(config, fields);
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
      // Money moved only on `paid`: it is reported as received (see settle); any other status
      // must match the order it speaks about.
      if (status !== 'paid') checkConsistency(fields, tx);
      return await apply(fields, tx, status);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      // Anything but `OK` makes IntellectMoney report a failed delivery; the body is the reason.
      return refusedResult(err, textReply(400, err.code));
    }
  }

  return async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
    return { ...(await decide(raw)), ...REPLIES };
  };
}
