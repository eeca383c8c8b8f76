import type { Money } from '@tolem/money';

import {
  type AlternativeReplies,
  type CallbackDecision,
  type CallbackResult,
  type RawCallback,
  textReply,
} from '../../domain/callback';
import type { ProviderErrorCode } from '../../domain/errors';
import type { MethodName, ProviderTransaction } from '../../domain/provider-transaction';
import { decimalMoney } from '../shared/decimal';
import {
  classifyReceived,
  type ReceivedMoney,
  reportExtraTransfer,
  settlementRepeatNote,
} from '../shared/extra-transfer';
import { FormParseError, parseFormBody, redactFormFields } from '../shared/form-urlencoded';
import { Refusal, refusedResult } from '../shared/refusal';
import type { WebMoneyContext } from './config';
import { verifyNotificationSignature } from './signatures';
import {
  currencyOfPurse,
  fromWebMoneyAmount,
  isKeeperMobileNotification,
  notificationAttributes,
  PAYMENT_ID_FIELD,
} from './transformers';

/** Fields that must never rest in the audit log (WebMoney can be set to send the secret key). */
const AUDIT_REDACTED_FIELDS: ReadonlySet<string> = new Set(['lmi_secret_key']);

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
  PROVIDER_HOLD_NOT_SUPPORTED: 'Authorization hold is not accepted',
};

/**
 * A pre-request is never re-sent: any body but `YES` refuses the payment and WebMoney shows the
 * text to the payer in Keeper (§1.3). So both alternatives refuse, with texts the payer can act on;
 * HTTP 200 keeps the text readable to WebMoney, as for the adapter's own refusals.
 */
const PRECHECK_REPLIES: AlternativeReplies = {
  retryReply: textReply(200, 'Temporarily unable to accept the payment, please try again later'),
  refusalReply: textReply(200, 'This order can no longer be paid'),
};

/**
 * The payment notification: success is HTTP 200 `YES` (§1.4). A 503 with another body asks for
 * the notification again (WebMoney's re-send schedule is not public, §1.9, so Tolem's own sweepers
 * never depend on it; the sandbox re-sends until it gets 200). A refusal is the adapter's own
 * 4xx shape: the body is the stable code.
 */
const NOTIFICATION_REPLIES: AlternativeReplies = {
  retryReply: textReply(503, 'PROVIDER_UNAVAILABLE'),
  refusalReply: textReply(400, 'PROVIDER_PAYMENT_ALREADY_FINAL'),
};

/**
 * LMI_HOLD (§1.2, §1.4) marks an authorization hold: the payer's money is only reserved and goes
 * back to the payer after that many days unless the merchant takes it through WebMoney's hold
 * interface. Tolem never asks for a hold (no LMI_HOLD in its forms) and has no way to take one,
 * so crediting a held notification as paid would credit money that later returns to the payer.
 * Decision: refuse it like any inconsistent callback (outcome rejected, reason
 * PROVIDER_HOLD_NOT_SUPPORTED, logged, the raw callback kept in the audit log); the hold is never
 * taken and lapses back to the payer. A pre-request announcing a hold is refused the same way, so
 * the payer learns before paying.
 */
function holdDays(fields: ReadonlyMap<string, string>): string | undefined {
  const hold = fields.get('LMI_HOLD');
  return hold === undefined || hold.trim() === '' ? undefined : hold;
}

function methodFor(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): MethodName {
  return isKeeperMobileNotification(fields) || tx.method === 'webmoney_keeper_mobile'
    ? 'webmoney_keeper_mobile'
    : 'webmoney_purse';
}

/** Keeps the secret key out of the audit log if WebMoney is set to send it. */
export function redactForAudit(raw: RawCallback): RawCallback {
  return { ...raw, body: redactFormFields(raw.body, AUDIT_REDACTED_FIELDS) };
}

/**
 * The Result URL (§1.3, §1.4): a pre-request (LMI_PREREQUEST=1) answered YES for an open order,
 * then the signed payment notification that settles it.
 */
export function makeHandleCallback(ctx: WebMoneyContext) {
  const { config, transactions } = ctx;

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

  /** The order's purse and the configured mode (§1.3, §1.4, §1.8): whose money and whether real. */
  function checkIdentity(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): void {
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

  /**
   * The pre-request (§1.3) is answered before any money moves, so it may insist on the exact
   * order: the payer purse of the payee's currency and the amount echoed byte for byte.
   */
  function checkPreRequest(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): void {
    checkIdentity(fields, tx);
    const payer = fields.get('LMI_PAYER_PURSE');
    if (
      payer !== undefined &&
      payer.charAt(0) !== (fields.get('LMI_PAYEE_PURSE') ?? '').charAt(0)
    ) {
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
  }

  /**
   * What a signed notification says arrived: LMI_PAYMENT_AMOUNT in the currency of the payee
   * purse (checked to be the order's). The payer's purse does not change that, whatever its
   * letter. Unreadable amounts are malformed, never guessed.
   */
  function receivedAmount(fields: ReadonlyMap<string, string>, tx: ProviderTransaction): Money {
    try {
      return decimalMoney(fields.get('LMI_PAYMENT_AMOUNT') ?? '', tx.amount.currency);
    } catch {
      throw new Refusal(
        'PROVIDER_MALFORMED_CALLBACK',
        'LMI_PAYMENT_AMOUNT is not a decimal amount',
        ['LMI_PAYMENT_AMOUNT'],
        tx,
      );
    }
  }

  /** §1.3: no signature; answer YES only for an open order with the exact purse and amount. */
  async function preRequest(fields: ReadonlyMap<string, string>): Promise<CallbackDecision> {
    try {
      const missing = ['LMI_PAYEE_PURSE', 'LMI_PAYMENT_AMOUNT', 'LMI_PAYMENT_NO'].filter(
        (f) => !fields.get(f),
      );
      if (missing.length > 0)
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'pre-request lacks fields', missing);
      const tx = await findOrder(fields);
      if (holdDays(fields) !== undefined) {
        throw new Refusal(
          'PROVIDER_HOLD_NOT_SUPPORTED',
          'pre-request for an authorization hold (LMI_HOLD)',
          ['LMI_HOLD'],
          tx,
        );
      }
      checkPreRequest(fields, tx);
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
      return refusedResult(
        err,
        textReply(200, PRECHECK_TEXT[err.code] ?? 'Refused'),
        'precheck_refused',
      );
    }
  }

  async function notification(fields: ReadonlyMap<string, string>): Promise<CallbackDecision> {
    try {
      verifyNotificationSignature(config, fields);
      const oversized = UNSIGNED_ATTRIBUTE_FIELDS.filter(
        (f) => (fields.get(f) ?? '').length > MAX_ATTRIBUTE_CHARS,
      );
      if (oversized.length > 0) {
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'unsigned fields too long', oversized);
      }
      const tx = await findOrder(fields);
      if (holdDays(fields) !== undefined) {
        // Signed by WebMoney (LMI_HASH2 covers LMI_HOLD), yet only reserved money: see holdDays.
        throw new Refusal(
          'PROVIDER_HOLD_NOT_SUPPORTED',
          'payment notification for an authorization hold (LMI_HOLD): not credited',
          ['LMI_HOLD'],
          tx,
          'error',
        );
      }
      checkIdentity(fields, tx);
      const transferNo = fields.get('LMI_SYS_TRANS_NO') ?? '';
      if (!/^\d{1,19}$/.test(transferNo)) {
        throw new Refusal(
          'PROVIDER_MALFORMED_CALLBACK',
          'LMI_SYS_TRANS_NO is not a number',
          ['LMI_SYS_TRANS_NO'],
          tx,
        );
      }
      const received: ReceivedMoney = {
        providerPaymentId: transferNo,
        amount: receivedAmount(fields, tx),
        method: methodFor(fields, tx),
        attributes: notificationAttributes(fields),
      };
      return await settle(tx, received);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      // A refusal WebMoney can tell from success; the body is the stable reason code.
      return refusedResult(err, textReply(400, err.code));
    }
  }

  /**
   * Signed money for our order in our purse: it settles an open order of exactly its amount once;
   * anything else the notification reports (another amount, a second LMI_SYS_TRANS_NO for a paid
   * order, money for a failed one) is recorded and reported as received, so checkout holds it in
   * a case before WebMoney gets its YES. Refusing it would leave money WebMoney moved recorded
   * nowhere.
   */
  async function settle(
    tx: ProviderTransaction,
    received: ReceivedMoney,
  ): Promise<CallbackDecision> {
    const fields = ['LMI_SYS_TRANS_NO', 'LMI_PAYMENT_AMOUNT'];
    let current = tx;
    for (;;) {
      const reason = classifyReceived(current, received);
      if (reason !== undefined) {
        const extra = await reportExtraTransfer(transactions, current, reason, received, fields);
        return { ...extra, reply: textReply(200, 'YES') };
      }
      if (current.status === 'succeeded') {
        // WebMoney repeating itself: answer as before; checkout and the ledger are idempotent.
        return succeeded(current, 'duplicate', settlementRepeatNote(current, received));
      }
      const settled = await transactions.markSucceeded(current.id, {
        providerPaymentId: received.providerPaymentId,
        method: received.method,
        attributes: received.attributes,
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
      // Settled or failed meanwhile: decide again against what is stored now.
      current = settled.transaction;
    }
  }

  function succeeded(
    tx: ProviderTransaction,
    verdict: 'accepted' | 'duplicate',
    repeat: { text: string; level: 'info' | 'error' } = {
      text: 'repeated notification for a paid order',
      level: 'info',
    },
  ): CallbackDecision {
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
          ? { note: repeat.text, fields: ['LMI_SYS_TRANS_NO'], level: repeat.level }
          : undefined,
    };
  }

  return async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
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
      return {
        ...refusedResult(
          new Refusal('PROVIDER_MALFORMED_CALLBACK', `unreadable body: ${err.message}`),
          textReply(400, 'PROVIDER_MALFORMED_CALLBACK'),
        ),
        ...NOTIFICATION_REPLIES,
      };
    }
    return fields.get('LMI_PREREQUEST') === '1'
      ? { ...(await preRequest(fields)), ...PRECHECK_REPLIES }
      : { ...(await notification(fields)), ...NOTIFICATION_REPLIES };
  };
}
