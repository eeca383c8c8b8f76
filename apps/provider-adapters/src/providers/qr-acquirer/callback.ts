import {
  type AlternativeReplies,
  type CallbackDecision,
  type CallbackResult,
  jsonReply,
  type RawCallback,
} from '../../domain/callback';
import type { ProviderTransaction } from '../../domain/provider-transaction';
import {
  classifyReceived,
  type ReceivedMoney,
  reportExtraTransfer,
  settlementRepeatNote,
} from '../shared/extra-transfer';
import { Refusal, refusedResult } from '../shared/refusal';
import type { QrAcquirerContext } from './config';
import { verifyConfirmationSignature } from './signatures';
import {
  ATTR,
  ConfirmationError,
  merchantAttributes,
  parseConfirmation,
  QR_CODE_ID,
  type QrConfirmation,
} from './transformers';

const MAX_BODY_BYTES = 16 * 1024;

/** HTTP status of each refusal: the bank's systems tell auth from data problems by it. */
const REFUSAL_STATUS: Partial<Record<string, number>> = {
  PROVIDER_SIGNATURE_INVALID: 401,
  PROVIDER_TIMESTAMP_SKEW: 401,
  PROVIDER_UNKNOWN_ORDER: 404,
  PROVIDER_AMOUNT_MISMATCH: 422,
  PROVIDER_CURRENCY_MISMATCH: 422,
  PROVIDER_DUPLICATE_PAYMENT: 409,
  PROVIDER_PAYMENT_ALREADY_FINAL: 409,
};

/**
 * A bank's confirmation (provider.proto QrAcquirerConfirmation): signed, timestamped JSON checked
 * against the registered payment, then settled once.
 */
export function makeHandleCallback(ctx: QrAcquirerContext) {
  const { config, transactions } = ctx;

  function reply(status: number, value: Record<string, string>) {
    return jsonReply(status, value);
  }

  function succeeded(
    tx: ProviderTransaction,
    verdict: 'accepted' | 'duplicate',
    repeat: { text: string; level: 'info' | 'error' } = {
      text: 'repeated confirmation',
      level: 'info',
    },
  ): CallbackDecision {
    return {
      reply: reply(200, { status: 'ok', code: '', payment_id: tx.paymentId }),
      outcome: 'succeeded',
      verdict,
      paymentId: tx.paymentId,
      amount: tx.amount,
      method: 'qr',
      providerPaymentId: tx.providerPaymentId ?? undefined,
      attributes: merchantAttributes(tx),
      diagnostics:
        verdict === 'duplicate'
          ? { note: repeat.text, fields: ['acquirer_reference'], level: repeat.level }
          : undefined,
    };
  }

  function read(raw: RawCallback, acquirerId: string): QrConfirmation {
    const contentType = (raw.headers['content-type'] ?? '').toLowerCase();
    if (contentType !== '' && !contentType.startsWith('application/json')) {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'content-type is not application/json', [
        'content-type',
      ]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw.body));
    } catch {
      throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'body is not UTF-8 JSON');
    }
    let confirmation: QrConfirmation;
    try {
      confirmation = parseConfirmation(parsed);
    } catch (err) {
      if (!(err instanceof ConfirmationError)) throw err;
      const code =
        err.field === 'currency' ? 'PROVIDER_CURRENCY_MISMATCH' : 'PROVIDER_MALFORMED_CALLBACK';
      throw new Refusal(code, err.message, [err.field]);
    }
    if (confirmation.acquirerId !== '' && confirmation.acquirerId !== acquirerId) {
      throw new Refusal(
        'PROVIDER_MALFORMED_CALLBACK',
        'acquirer_id differs from X-Tolem-Acquirer',
        ['acquirer_id'],
      );
    }
    return confirmation;
  }

  /**
   * A verified confirmation for a code no payment is registered under (a static code's scan):
   * nothing is recorded; checkout registers the scan's payment under providerPaymentId and asks
   * again. `reply` is the refusal too, so a caller that does not know the outcome refuses.
   */
  function unregistered(
    c: QrConfirmation,
    providerPaymentId: string,
    attributes: Record<string, string>,
  ): CallbackDecision {
    return {
      reply: unknownCodeReply(),
      outcome: 'unregistered_qr',
      verdict: 'unregistered_qr',
      qrCodeId: c.qrId,
      amount: c.amount,
      method: 'qr',
      providerPaymentId,
      attributes: { ...attributes, [ATTR.qrCodeId]: c.qrId },
    };
  }

  async function apply(c: QrConfirmation, acquirerId: string): Promise<CallbackDecision> {
    // Replays are recognised by the bank's own reference, unique per provider in our store.
    const providerPaymentId = `${acquirerId}:${c.acquirerReference}`;
    const attributes: Record<string, string> = {
      [ATTR.acquirerId]: acquirerId,
      [ATTR.acquirerReference]: c.acquirerReference,
    };
    if (c.payerBank) attributes[ATTR.payerBank] = c.payerBank;
    if (c.paidAt) attributes[ATTR.paidAt] = c.paidAt;

    // A static code's scan is registered under the bank's reference (one payment per scan), a
    // dynamic code under its code id, a payment without a code under its payment id.
    const scan = await transactions.findByExternalRef('qr_acquirer', providerPaymentId);
    if (scan && scan.attributes[ATTR.qrCodeId] !== c.qrId) {
      throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'the scan was registered for another qr_id', [
        'qr_id',
        'acquirer_reference',
      ]);
    }
    const tx =
      scan ??
      (await transactions.findByExternalRef('qr_acquirer', c.qrId)) ??
      (await transactions.findByPaymentId('qr_acquirer', c.qrId));
    if (!tx) {
      if (QR_CODE_ID.test(c.qrId)) return unregistered(c, providerPaymentId, attributes);
      throw new Refusal('PROVIDER_UNKNOWN_ORDER', 'no payment has this qr_id', ['qr_id']);
    }

    // Money the bank confirms settles an open payment of exactly its amount once; any other
    // (another amount, a second reference for a paid payment, money for a failed one) is recorded
    // and reported as received, so checkout holds it in a case before the bank gets its 200:
    // refusing would leave money the bank moved recorded nowhere.
    const received: ReceivedMoney = {
      providerPaymentId,
      amount: c.amount,
      method: 'qr',
      attributes,
    };
    let current = tx;
    for (;;) {
      const reason = classifyReceived(current, received);
      if (reason !== undefined) {
        const extra = await reportExtraTransfer(transactions, current, reason, received, [
          'acquirer_reference',
          'amount',
        ]);
        return {
          ...extra,
          reply: reply(200, { status: 'ok', code: '', payment_id: current.paymentId }),
        };
      }
      if (current.status === 'succeeded')
        return succeeded(current, 'duplicate', settlementRepeatNote(current, received));
      const settled = await transactions.markSucceeded(current.id, {
        providerPaymentId,
        method: 'qr',
        attributes,
      });
      if (settled.conflict) {
        throw new Refusal(
          'PROVIDER_DUPLICATE_PAYMENT',
          'acquirer_reference already confirmed another payment',
          ['acquirer_reference'],
          settled.transaction,
          'error',
        );
      }
      if (settled.changed) return succeeded(settled.transaction, 'accepted');
      current = settled.transaction;
    }
  }

  /** The 404 of a qr_id Tolem has no payment or code for. */
  function unknownCodeReply() {
    return reply(404, { status: 'rejected', code: 'PROVIDER_UNKNOWN_ORDER', payment_id: '' });
  }

  /**
   * The bank may retry any non-2xx answer (provider.proto QrAcquirerConfirmation): 503 asks it
   * to, in the QrAcquirerReply shape; a refusal is the 409 of a payment that is closed, or for an
   * unregistered code (checkout found no such static code) the 404 of an unknown order.
   */
  function alternatives(decision: CallbackDecision): AlternativeReplies {
    const paymentId = decision.paymentId ?? '';
    return {
      retryReply: reply(503, {
        status: 'rejected',
        code: 'PROVIDER_UNAVAILABLE',
        payment_id: paymentId,
      }),
      refusalReply:
        decision.outcome === 'unregistered_qr'
          ? unknownCodeReply()
          : reply(409, {
              status: 'rejected',
              code: 'PROVIDER_PAYMENT_ALREADY_FINAL',
              payment_id: paymentId,
            }),
    };
  }

  async function decide(raw: RawCallback): Promise<CallbackDecision> {
    try {
      if (raw.method.toUpperCase() !== 'POST')
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'not a POST');
      if (raw.body.length === 0 || raw.body.length > MAX_BODY_BYTES) {
        throw new Refusal('PROVIDER_MALFORMED_CALLBACK', 'empty or oversized body');
      }
      const acquirerId = verifyConfirmationSignature(config, ctx.clock.now(), raw);
      return await apply(read(raw, acquirerId), acquirerId);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const status = REFUSAL_STATUS[err.code] ?? 400;
      return refusedResult(
        err,
        reply(status, { status: 'rejected', code: err.code, payment_id: err.tx?.paymentId ?? '' }),
      );
    }
  }

  return async function handleCallback(raw: RawCallback): Promise<CallbackResult> {
    const decision = await decide(raw);
    return { ...decision, ...alternatives(decision) };
  };
}
