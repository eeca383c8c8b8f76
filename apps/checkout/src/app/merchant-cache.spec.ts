import { describe, expect, it } from 'vitest';

import type { Merchant } from '../domain/merchant';
import { cachedMerchants } from './merchant-cache';

function merchant(id: string, name = 'Shop'): Merchant {
  return {
    id,
    name,
    enabledMethods: ['webmoney_purse'],
    webmoneyShopId: '',
    defaultSuccessUrl: '',
    defaultFailUrl: '',
    vatRate: 'none',
    notificationUrl: '',
    createdAt: new Date(0),
    updatedAt: new Date(0),
    pendingSteps: [],
  };
}

/** A repository that counts reads and answers from a map the test changes. */
function repo(initial: Merchant[] = []) {
  const rows = new Map(initial.map((m) => [m.id, m]));
  let failNext = false;
  const counter = { reads: 0 };
  return {
    rows,
    counter,
    failOnce: () => {
      failNext = true;
    },
    async findById(id: string) {
      counter.reads += 1;
      await new Promise((r) => setImmediate(r));
      if (failNext) {
        failNext = false;
        throw new Error('database unreachable');
      }
      return rows.get(id);
    },
  };
}

describe('cachedMerchants', () => {
  it('reads a merchant once within the TTL and again after it, seeing changes then', async () => {
    let now = 1_000;
    const r = repo([merchant('mer_1')]);
    const cache = cachedMerchants(r, { ttlMs: 5_000, now: () => now });
    expect(await cache.findById('mer_1')).toMatchObject({ name: 'Shop' });
    r.rows.set('mer_1', merchant('mer_1', 'Renamed'));
    now += 4_999;
    expect(await cache.findById('mer_1')).toMatchObject({ name: 'Shop' });
    expect(r.counter.reads).toBe(1);
    now += 1;
    expect(await cache.findById('mer_1')).toMatchObject({ name: 'Renamed' });
    expect(r.counter.reads).toBe(2);
  });

  it('shares one read among concurrent misses', async () => {
    const r = repo([merchant('mer_1')]);
    const cache = cachedMerchants(r, { ttlMs: 5_000 });
    const found = await Promise.all(Array.from({ length: 16 }, () => cache.findById('mer_1')));
    expect(found.every((m) => m?.id === 'mer_1')).toBe(true);
    expect(r.counter.reads).toBe(1);
  });

  it('does not remember an unknown merchant, so one created a moment later is found', async () => {
    const r = repo();
    const cache = cachedMerchants(r, { ttlMs: 5_000 });
    expect(await cache.findById('mer_new')).toBeUndefined();
    r.rows.set('mer_new', merchant('mer_new'));
    expect(await cache.findById('mer_new')).toMatchObject({ id: 'mer_new' });
  });

  it('does not remember a failed read', async () => {
    const r = repo([merchant('mer_1')]);
    const cache = cachedMerchants(r, { ttlMs: 5_000 });
    r.failOnce();
    await expect(cache.findById('mer_1')).rejects.toThrow('database unreachable');
    expect(await cache.findById('mer_1')).toMatchObject({ id: 'mer_1' });
  });

  it('reads every time with a TTL of 0', async () => {
    const r = repo([merchant('mer_1')]);
    const cache = cachedMerchants(r, { ttlMs: 0 });
    await cache.findById('mer_1');
    await cache.findById('mer_1');
    expect(r.counter.reads).toBe(2);
  });

  it('evicts the oldest entry past maxEntries', async () => {
    const r = repo([merchant('mer_1'), merchant('mer_2'), merchant('mer_3')]);
    const cache = cachedMerchants(r, { ttlMs: 5_000, maxEntries: 2 });
    await cache.findById('mer_1');
    await cache.findById('mer_2');
    await cache.findById('mer_3');
    expect(r.counter.reads).toBe(3);
    await cache.findById('mer_2');
    expect(r.counter.reads).toBe(3);
    await cache.findById('mer_1');
    expect(r.counter.reads).toBe(4);
  });
});
