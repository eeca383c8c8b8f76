import { notifierErrors } from '../domain/errors';
import type { NotificationEvent } from '../domain/notification-event';
import { isMerchantNotification } from '../domain/notification-types';
import { toStoredData } from '../domain/payload';
import type { Clock, NotifierRepositories } from '../domain/ports';
import { fanOut, isRoutedTo } from './fan-out';

export interface RecordDeliveryDeps
  extends Pick<NotifierRepositories, 'endpoints' | 'events' | 'deliveries'> {
  clock: Clock;
  retryWindowMs: number;
}

/**
 * Stores a payment event and fans it out to the merchant's subscribed endpoints (run inside the
 * consumer's transaction, so the event and its deliveries exist iff the event counts as handled).
 * A merchant without endpoints keeps the event unrouted until it creates one. A type merchants are
 * not notified of is handled by doing nothing (checked first, so an internal event never reaches
 * the DLQ for lacking what only a notification needs).
 */
export function makeRecordDelivery(deps: RecordDeliveryDeps) {
  return async (event: NotificationEvent): Promise<{ inserted: boolean }> => {
    if (!isMerchantNotification(event.eventType)) return { inserted: false };
    if (!event.eventId || !event.paymentId || !event.merchantId) {
      throw notifierErrors.create(
        'NOTIFIER_BAD_EVENT',
        'event needs event_id, payment_id and merchant_id',
      );
    }
    const now = deps.clock.now();
    await deps.events.lockMerchant(event.merchantId, 'shared');
    const endpoints = await deps.endpoints.listForMerchant(event.merchantId);
    const data = toStoredData(event, now);
    const stored = {
      eventId: event.eventId,
      eventType: event.eventType,
      merchantId: event.merchantId,
      paymentId: event.paymentId,
      sequence: event.sequence,
      occurredAt: event.occurredAt ?? now,
      data,
      routed: isRoutedTo(endpoints, data),
      createdAt: now,
    };
    if (!(await deps.events.insertOnce(stored))) return { inserted: false };
    await fanOut(deps.deliveries, stored, endpoints, now, deps.retryWindowMs);
    return { inserted: true };
  };
}
