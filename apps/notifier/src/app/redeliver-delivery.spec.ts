import { describe, expect, it } from 'vitest';

import { inMemoryStore, manualClock } from '../../test/fakes/in-memory-store';
import { makeRedeliverDelivery } from './redeliver-delivery';

const WINDOW = 72 * 3_600_000;

async function withDelivery(
  status: 'pending' | 'delivered' | 'exhausted',
  url = 'https://m.example',
) {
  const store = inMemoryStore();
  const clock = manualClock();
  const created = clock.now();
  await store.deliveries.insertMany([
    {
      id: 'dlv_1',
      eventId: 'evt_1',
      eventType: 'payment.succeeded',
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      endpointId: 'we_1',
      sequence: 1n,
      livemode: false,
      url,
      payload: '{}',
      nextAttemptAt: created,
      expiresAt: new Date(created.getTime() + WINDOW),
      createdAt: created,
    },
  ]);
  const row = store.deliveryRows.get('dlv_1');
  if (row) row.status = status;
  return { store, clock, created };
}

describe('redeliverDelivery', () => {
  it('makes an exhausted delivery pending, due now, with a fresh retry window', async () => {
    const { store, clock } = await withDelivery('exhausted');
    clock.advance(WINDOW + 60_000);
    const redeliver = makeRedeliverDelivery({ ...store, clock, retryWindowMs: WINDOW });
    const d = await redeliver('dlv_1');
    expect(d.status).toBe('pending');
    expect(d.nextAttemptAt).toEqual(clock.now());
    expect(d.expiresAt.getTime()).toBe(clock.now().getTime() + WINDOW);
  });

  it('queues a delivered one again with its window restarted', async () => {
    const { store, clock } = await withDelivery('delivered');
    clock.advance(1_000);
    const d = await makeRedeliverDelivery({ ...store, clock, retryWindowMs: WINDOW })('dlv_1');
    expect(d).toMatchObject({ status: 'pending', deliveredAt: null });
    expect(d.expiresAt.getTime()).toBe(clock.now().getTime() + WINDOW);
  });

  it("never reaches another merchant's delivery", async () => {
    const { store, clock } = await withDelivery('exhausted');
    const redeliver = makeRedeliverDelivery({ ...store, clock, retryWindowMs: WINDOW });
    await expect(redeliver('dlv_1', 'mer_other')).rejects.toMatchObject({
      code: 'NOTIFIER_DELIVERY_NOT_FOUND',
    });
    expect(store.deliveryRows.get('dlv_1')?.status).toBe('exhausted');
    expect((await redeliver('dlv_1', 'mer_1')).status).toBe('pending');
  });

  it('answers NOTIFIER_DELIVERY_NOT_FOUND for an unknown id', async () => {
    const { store, clock } = await withDelivery('pending');
    const redeliver = makeRedeliverDelivery({ ...store, clock, retryWindowMs: WINDOW });
    await expect(redeliver('dlv_nope')).rejects.toMatchObject({
      code: 'NOTIFIER_DELIVERY_NOT_FOUND',
      kind: 'not_found',
    });
    await expect(redeliver('')).rejects.toMatchObject({ code: 'NOTIFIER_DELIVERY_NOT_FOUND' });
  });
});
