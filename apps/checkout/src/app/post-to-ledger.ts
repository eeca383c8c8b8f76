import { activeSpanLinks, contextFromHeaders, inSpan } from '@tolem/observability';

import { ledgerKeyOf, type Payment } from '../domain/payment';
import type { Clock, LedgerPort, PaymentRepository } from '../domain/ports';
import { inFlightByKey } from './in-flight';
import type { RecordStatusEvents } from './record-status-events';

export interface PostToLedgerDeps {
  payments: PaymentRepository;
  ledger: LedgerPort;
  clock: Clock;
  /** Status events owed before the money, so the ledger numbers them first. */
  statusEvents: Pick<RecordStatusEvents, 'forPayment'>;
}

/**
 * Posts a succeeded payment to the ledger and records the ledger transaction with the fee the
 * ledger applied: the ledger owns fees, so the request carries none. Every field sent is stored
 * on the payment (attributes, succeeded_at), so a retry from the callback path or the sweeper
 * sends the identical request under the same key and the ledger posts it once. The payment's
 * owed status events (pending, …) go first, so the ledger numbers them before the money. Throws
 * the ledger's error unchanged; the caller decides whether to retry.
 */
export function makePostToLedger(deps: PostToLedgerDeps) {
  const post = async (payment: Payment): Promise<Payment> => {
    await deps.statusEvents.forPayment(payment.id, payment);
    const result = await deps.ledger.postPayment({
      idempotencyKey: ledgerKeyOf(payment.id),
      paymentId: payment.id,
      merchantId: payment.merchantId,
      gross: payment.amount,
      method: payment.method,
      provider: payment.provider,
      providerPaymentId: payment.providerPaymentId ?? '',
      providerAttributes: payment.providerAttributes,
      orderId: payment.orderId,
      description: payment.description,
      occurredAt: payment.succeededAt ?? payment.updatedAt,
      livemode: payment.livemode,
    });
    const at = deps.clock.now();
    await deps.payments.markLedgerPosted(payment.id, result.transactionId, at, result.fee);
    return {
      ...payment,
      ledgerPostedAt: at,
      ledgerTransactionId: result.transactionId,
      fee: result.fee,
    };
  };
  const settle = (payment: Payment): Promise<Payment> => {
    if (!payment.traceParent) return post(payment);
    // The money, its events and the merchant's notification continue the trace of the request
    // that created the payment; what completed it (a provider callback, the sweeper) is linked.
    return inSpan(
      'payment settle',
      {
        parent: contextFromHeaders({ traceparent: payment.traceParent }),
        links: activeSpanLinks(),
        attributes: { 'tolem.payment_id': payment.id, 'tolem.merchant_id': payment.merchantId },
      },
      () => post(payment),
    );
  };

  /**
   * A provider reports one success several ways at about the same moment (IntellectMoney's
   * answer to a charge and its status notifications): each read the payment before the first
   * post was recorded, and each posted it again, 2.2 PostPayment calls per recurring charge in
   * bench:recurring. A second post while one is in flight for the payment waits for it instead;
   * the ledger's key still makes posts from other replicas (or after a failure) replays.
   */
  const posts = inFlightByKey<Payment>();
  return (payment: Payment): Promise<Payment> => {
    if (payment.status !== 'succeeded' || payment.ledgerPostedAt) return Promise.resolve(payment);
    return posts.get(payment.id) ?? posts.track(payment.id, settle(payment));
  };
}

export type PostToLedger = ReturnType<typeof makePostToLedger>;
