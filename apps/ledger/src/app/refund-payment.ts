import type { Clock, JournalRepository } from '../domain/ports';
import { decideRefund, type RefundCommand, refundHead, validateRefund } from '../domain/refund';
import { type Written, writtenOf } from './replay';

/**
 * Refunds (part of) a posted payment under the payment's lock, so concurrent refunds can never
 * together exceed its gross. Codes: LEDGER_PAYMENT_NOT_FOUND, LEDGER_PAYMENT_NOT_REFUNDABLE,
 * LEDGER_REFUND_EXCEEDS_PAYMENT, LEDGER_INSUFFICIENT_FUNDS, MONEY_*; nothing written on any.
 */
export function makeRefundPayment(deps: { journal: JournalRepository; clock: Clock }) {
  return async (cmd: RefundCommand): Promise<Written> => {
    const refund = validateRefund(cmd);
    const head = refundHead(refund);
    const now = deps.clock.now();
    const result = await deps.journal.recordLocked(head, { paymentId: refund.paymentId }, (state) =>
      decideRefund(refund, state.payment, now),
    );
    return writtenOf(result, 'refund', head.fingerprint);
  };
}
