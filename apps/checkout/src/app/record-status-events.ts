import { isDomainError } from '@tolem/errors';

import type { Payment } from '../domain/payment';
import type {
  Clock,
  LedgerPort,
  Log,
  PaymentRepository,
  StatusEventRepository,
} from '../domain/ports';
import { inFlightByKey } from './in-flight';

export interface RecordStatusEventsDeps {
  payments: Pick<PaymentRepository, 'findById'>;
  statusEvents: StatusEventRepository;
  ledger: Pick<LedgerPort, 'recordPaymentEvent'>;
  clock: Clock;
  log: Log;
}

/** The ledger's key of a transition's event: one fact per transition, ever. */
export function statusEventKeyOf(paymentId: string, transitionId: string): string {
  return `payment:${paymentId}:transition:${transitionId}`;
}

type KnownPayment = Pick<Payment, 'id' | 'merchantId' | 'orderId' | 'description' | 'livemode'>;

/**
 * Hands a payment's owed status events to the ledger, strictly in transition order (an event
 * is sent only after the ones before it were acknowledged), so the ledger numbers pending before
 * failed, and both before the payment's money. Each event was captured with its transition, so a
 * retry sends the identical fact under the same key. Throws the ledger's error (nothing later is
 * sent): the caller retries, and so does the relay.
 */
export function makeRecordStatusEvents(deps: RecordStatusEventsDeps) {
  /**
   * `known` is the payment when the caller holds it: the fields an event carries besides its
   * transition's (merchant, order id, description) never change after create, so it spares a read.
   */
  async function sendOwed(paymentId: string, known?: KnownPayment): Promise<number> {
    const owed = await deps.statusEvents.listOwed(paymentId);
    if (owed.length === 0) return 0;
    const payment = known?.id === paymentId ? known : await deps.payments.findById(paymentId);
    if (!payment) throw new Error(`status events owed for an unknown payment ${paymentId}`);
    for (const { transitionId, event } of owed) {
      let result;
      try {
        result = await deps.ledger.recordPaymentEvent({
          idempotencyKey: statusEventKeyOf(paymentId, transitionId),
          paymentId,
          merchantId: payment.merchantId,
          orderId: payment.orderId,
          description: payment.description,
          livemode: payment.livemode,
          ...event,
        });
      } catch (err) {
        // Refused (not unreachable): the relay leaves it, and the payment's later events, alone
        // for a while, so the payments behind it are not starved by one it cannot send.
        if (isDomainError(err) && !err.retriable) {
          await deps.statusEvents.markRefused(transitionId, deps.clock.now());
        }
        throw err;
      }
      await deps.statusEvents.markRecorded(
        transitionId,
        deps.clock.now(),
        result.superseded ? 'superseded' : 'recorded',
      );
    }
    return owed.length;
  }

  const sends = inFlightByKey<number>();

  /** The money's path: sends at once, whatever else is in flight for the payment (its latency counts). */
  const forPayment = (paymentId: string, known?: KnownPayment): Promise<number> =>
    sends.track(paymentId, sendOwed(paymentId, known));

  /**
   * The relay's call waits for one already in flight for the payment and then reads what is
   * still owed, usually nothing: woken by the same transition, the relay and the money's path
   * used to send the same events at once, the second waiting in the ledger on the first's key (a
   * fifth of bench:e2e's status facts). Making the money's path wait instead cost it a commit and
   * a read (paid → notified p50 +30 ms in bench:e2e), so only the relay defers.
   */
  const afterInFlight = (paymentId: string): Promise<number> => {
    const before = sends.get(paymentId);
    if (!before) return sends.track(paymentId, sendOwed(paymentId));
    const send = () => sendOwed(paymentId);
    return sends.track(paymentId, before.then(send, send));
  };

  /** One relay round: every payment owing events since before `graceMs` ago. */
  async function sweep(options: { graceMs: number; limit?: number }): Promise<number> {
    const now = deps.clock.now();
    const before = new Date(now.getTime() - options.graceMs);
    const paymentIds = await deps.statusEvents.listPaymentsOwing(before, options.limit ?? 100, now);
    let recorded = 0;
    for (const paymentId of paymentIds) {
      try {
        recorded += await afterInFlight(paymentId);
      } catch (err) {
        const code = isDomainError(err) ? err.code : undefined;
        if (isDomainError(err) && err.retriable) {
          deps.log.warn({ paymentId, code }, 'ledger unreachable; status events wait');
          break;
        }
        deps.log.error({ paymentId, code, err }, 'ledger refused a status event');
      }
    }
    return recorded;
  }

  return { forPayment, sweep };
}

export type RecordStatusEvents = ReturnType<typeof makeRecordStatusEvents>;
