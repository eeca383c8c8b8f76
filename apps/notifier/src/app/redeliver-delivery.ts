import type { Delivery } from '../domain/delivery';
import { notifierErrors } from '../domain/errors';
import type { Clock, DeliveryRepository } from '../domain/ports';

export interface RedeliverDeliveryDeps {
  deliveries: DeliveryRepository;
  clock: Clock;
  retryWindowMs: number;
}

/**
 * Queues a new attempt now, whatever the delivery's state. A delivery whose window has closed
 * (exhausted, or delivered long ago) gets a fresh retry window, or it would give up at once.
 */
export function makeRedeliverDelivery(deps: RedeliverDeliveryDeps) {
  return async (deliveryId: string): Promise<Delivery> => {
    const notFound = () =>
      notifierErrors.create('NOTIFIER_DELIVERY_NOT_FOUND', 'no such delivery', {
        details: { delivery_id: deliveryId },
      });
    if (!deliveryId) throw notFound();
    const current = await deps.deliveries.get(deliveryId);
    if (!current) throw notFound();
    const now = deps.clock.now();
    const freshWindow = new Date(now.getTime() + deps.retryWindowMs);
    const expiresAt =
      current.status === 'exhausted' || current.expiresAt.getTime() <= now.getTime()
        ? freshWindow
        : current.expiresAt;
    const updated = await deps.deliveries.requeue(deliveryId, { now, expiresAt, url: current.url });
    if (!updated) throw notFound();
    return updated;
  };
}
