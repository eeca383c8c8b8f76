import { checkoutErrors } from '../domain/errors';
import { requireSameMode } from '../domain/livemode';
import type { PaymentStatus } from '../domain/payment';
import type { PaymentRepository } from '../domain/ports';

export interface PaymentTimelineEntry {
  sequence: bigint;
  from: PaymentStatus | null;
  to: PaymentStatus;
  reason: string;
  at: Date;
}

/** The payment's transitions (payments.repo.ts), oldest first. */
export interface PaymentTimelineReader {
  timelineOf(paymentId: string): Promise<PaymentTimelineEntry[]>;
}

/**
 * A payment's timeline for its merchant. Checkout owns the payment's status and writes every
 * change as a payment_transitions row in the same transaction, so those rows are the complete
 * history; the ledger's outbox is deleted once published and reporting only sees what was sent.
 * A payment of the other mode than the key's is PAYMENT_NOT_FOUND with the mode hint.
 */
export function makeListPaymentEvents(deps: {
  payments: Pick<PaymentRepository, 'findById'>;
  timeline: PaymentTimelineReader;
}) {
  return async (input: { paymentId: string; merchantId: string; livemode?: boolean }) => {
    const payment = input.paymentId ? await deps.payments.findById(input.paymentId) : undefined;
    if (!input.merchantId || payment?.merchantId !== input.merchantId) {
      throw checkoutErrors.create('PAYMENT_NOT_FOUND', 'payment not found');
    }
    requireSameMode('payment', payment.id, payment.livemode, input.livemode);
    return deps.timeline.timelineOf(payment.id);
  };
}
