import type { Clock, JournalRepository } from '../domain/ports';
import {
  decideRefund,
  decideResolution,
  refundAmountOf,
  type RefundCommand,
  refundHead,
  refundStartKey,
  requireRefundStart,
  resolutionHead,
  type ResolveRefundCommand,
  validateRefund,
  validateResolution,
} from '../domain/refund';
import { type Written, writtenOf } from './replay';

/**
 * Starts a refund of (part of) a posted payment under the payment's lock, so concurrent refunds
 * can never together exceed its gross: merchant available -> refunds payable, `refund.pending`.
 * Codes: LEDGER_PAYMENT_NOT_FOUND, LEDGER_PAYMENT_NOT_REFUNDABLE, LEDGER_REFUND_EXCEEDS_PAYMENT,
 * LEDGER_INSUFFICIENT_FUNDS, LEDGER_IDEMPOTENCY_CONFLICT, MONEY_*; nothing written on any.
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

export interface Resolved extends Written {
  /** partially_refunded / refunded after a success, '' after a failure. */
  paymentStatus: string;
}

/**
 * Ends a started refund once, under its payment's lock: refunds payable -> provider clearing,
 * payout clearing or back to the merchant (`refund.succeeded` / `refund.failed`). Both outcomes
 * share one idempotency key, so a refund that ended one way is refused the other
 * (LEDGER_IDEMPOTENCY_CONFLICT, field outcome). LEDGER_REFUND_NOT_FOUND for an unknown refund.
 */
export function makeResolveRefund(deps: { journal: JournalRepository; clock: Clock }) {
  return async (cmd: ResolveRefundCommand): Promise<Resolved> => {
    const resolution = validateResolution(cmd);
    // The start is immutable once written, so it is read before the lock.
    const start = requireRefundStart(
      resolution.refundId,
      await deps.journal.findByIdempotencyKey(refundStartKey(resolution.refundId)),
    );
    const head = resolutionHead(resolution, start.paymentId);
    const now = deps.clock.now();
    const amount = refundAmountOf(start);
    const result = await deps.journal.recordLocked(head, { paymentId: start.paymentId }, (state) =>
      decideResolution(resolution, amount, state.payment, now),
    );
    const written = writtenOf(result, 'refund', head.fingerprint);
    if (resolution.outcome === 'failed') return { ...written, paymentStatus: '' };
    const payment = await deps.journal.paymentOf(start.paymentId);
    const status =
      payment && payment.refundedMinor >= payment.grossMinor ? 'refunded' : 'partially_refunded';
    return { ...written, paymentStatus: status };
  };
}
