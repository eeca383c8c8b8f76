import { newId } from '@tolem/ids';

import { notifierErrors } from '../domain/errors';
import type { NotificationEvent } from '../domain/notification-event';
import { isMerchantNotification } from '../domain/notification-types';
import { buildPayload } from '../domain/payload';
import type { Clock, DeliveryRepository, EndpointRepository } from '../domain/ports';

export interface RecordDeliveryDeps {
  deliveries: DeliveryRepository;
  endpoints: EndpointRepository;
  clock: Clock;
  retryWindowMs: number;
}

/**
 * Turns a payment event into a pending delivery for its merchant (run inside the consumer's
 * transaction, so the delivery exists iff the event counts as handled). The URL is the merchant's
 * endpoint at this moment; without one the delivery waits with an empty URL until UpsertEndpoint.
 * A type merchants are not notified of is handled by doing nothing (checked first, so an internal
 * event never reaches the DLQ for lacking what only a notification needs).
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
    const endpoint = await deps.endpoints.get(event.merchantId);
    const inserted = await deps.deliveries.insertOnce({
      id: newId('dlv'),
      eventId: event.eventId,
      eventType: event.eventType,
      paymentId: event.paymentId,
      merchantId: event.merchantId,
      sequence: event.sequence,
      url: endpoint?.url ?? '',
      payload: buildPayload(event, now),
      nextAttemptAt: now,
      expiresAt: new Date(now.getTime() + deps.retryWindowMs),
      createdAt: now,
    });
    return { inserted };
  };
}
