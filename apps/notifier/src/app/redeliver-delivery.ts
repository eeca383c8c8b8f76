import type { Delivery } from '../domain/delivery';
import { inMode } from '../domain/endpoint';
import { notifierErrors } from '../domain/errors';
import type { Clock, DeliveryQueries } from '../domain/ports';

export interface RedeliverDeliveryDeps {
  deliveryQueries: DeliveryQueries;
  clock: Clock;
  retryWindowMs: number;
}

/**
 * Queues a new attempt now, whatever the delivery's state, with a fresh retry window (an exhausted
 * one would otherwise give up at once). `merchantId` '' is an operator; a merchant never reaches
 * another merchant's delivery.
 */
export function makeRedeliverDelivery(deps: RedeliverDeliveryDeps) {
  return async (deliveryId: string, merchantId = '', livemode?: boolean): Promise<Delivery> => {
    const notFound = () =>
      notifierErrors.create('NOTIFIER_DELIVERY_NOT_FOUND', 'no such delivery', {
        details: { delivery_id: deliveryId },
      });
    if (!deliveryId) throw notFound();
    const current = await deps.deliveryQueries.get(merchantId, deliveryId);
    // A key reaches only its own mode's deliveries, as it does endpoints.
    if (!current || !inMode(current, livemode)) throw notFound();
    const now = deps.clock.now();
    const updated = await deps.deliveryQueries.redeliver(
      deliveryId,
      now,
      new Date(now.getTime() + deps.retryWindowMs),
    );
    if (!updated) throw notFound();
    return updated;
  };
}
