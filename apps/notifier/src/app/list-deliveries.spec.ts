import { describe, expect, it } from 'vitest';

import { inMemoryStore, manualClock } from '../../test/fakes/in-memory-store';
import {
  decodePageToken,
  encodePageToken,
  makeListDeliveries,
  MAX_PAGE_SIZE,
} from './list-deliveries';

async function seeded(count: number) {
  const store = inMemoryStore();
  const now = manualClock().now();
  for (let i = 0; i < count; i += 1) {
    await store.deliveries.insertMany([
      {
        id: `dlv_${String(i).padStart(3, '0')}`,
        eventId: `evt_${i}`,
        eventType: 'payment.succeeded',
        paymentId: i % 2 === 0 ? 'pay_even' : 'pay_odd',
        merchantId: 'mer_1',
        endpointId: 'we_1',
        sequence: 1n,
        livemode: false,
        url: 'https://m.example',
        payload: '{}',
        nextAttemptAt: now,
        expiresAt: now,
        createdAt: now,
      },
    ]);
  }
  return store;
}

describe('listDeliveries', () => {
  it('pages newest first with an opaque token until the end', async () => {
    const list = makeListDeliveries(await seeded(5));
    const first = await list({
      merchantId: 'mer_1',
      paymentId: '',
      pageSize: 2,
      pageToken: '',
      endpointId: '',
    });
    expect(first.deliveries.map((d) => d.id)).toEqual(['dlv_004', 'dlv_003']);
    const second = await list({
      merchantId: 'mer_1',
      paymentId: '',
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.deliveries.map((d) => d.id)).toEqual(['dlv_002', 'dlv_001']);
    const third = await list({
      merchantId: 'mer_1',
      paymentId: '',
      pageSize: 2,
      pageToken: second.nextPageToken,
    });
    expect(third.deliveries.map((d) => d.id)).toEqual(['dlv_000']);
    expect(third.nextPageToken).toBe('');
  });

  it('filters by payment and caps the page size at 100', async () => {
    const list = makeListDeliveries(await seeded(120));
    const odd = await list({
      merchantId: 'mer_1',
      paymentId: 'pay_odd',
      pageSize: 0,
      pageToken: '',
      endpointId: '',
    });
    expect(odd.deliveries.every((d) => d.paymentId === 'pay_odd')).toBe(true);
    expect(odd.deliveries).toHaveLength(50);
    const big = await list({
      merchantId: 'mer_1',
      paymentId: '',
      pageSize: 1000,
      pageToken: '',
      endpointId: '',
    });
    expect(big.deliveries).toHaveLength(MAX_PAGE_SIZE);
  });

  it('refuses a missing merchant, a negative page size and a forged token', async () => {
    const list = makeListDeliveries(await seeded(1));
    await expect(
      list({ merchantId: '', paymentId: '', pageSize: 1, pageToken: '', endpointId: '' }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_INVALID_REQUEST' });
    await expect(
      list({ merchantId: 'mer_1', paymentId: '', pageSize: -1, pageToken: '', endpointId: '' }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_INVALID_REQUEST' });
    await expect(
      list({ merchantId: 'mer_1', paymentId: '', pageSize: 1, pageToken: 'garbage' }),
    ).rejects.toMatchObject({
      code: 'NOTIFIER_INVALID_REQUEST',
      details: { field: 'page_token' },
    });
  });

  it('round-trips tokens', () => {
    expect(decodePageToken(encodePageToken('dlv_01abc'))).toBe('dlv_01abc');
  });
});
