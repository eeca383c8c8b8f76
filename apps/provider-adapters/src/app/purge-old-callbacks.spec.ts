import { describe, expect, it } from 'vitest';

import type { RawCallback } from '../domain/callback';
import { inMemoryCallbacks } from '../testing/in-memory.fakes';
import { makePurgeOldCallbacks } from './purge-old-callbacks';

const raw: RawCallback = {
  method: 'POST',
  path: '/callbacks/webmoney',
  query: '',
  headers: {},
  body: Buffer.from('x'),
  remoteAddress: '127.0.0.1',
};

describe('purgeOldCallbacks', () => {
  it('deletes callbacks older than the retention in batches and keeps recent ones', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const callbacks = inMemoryCallbacks(() => now);
    for (let i = 0; i < 5; i++) await callbacks.record('webmoney', raw);
    now = new Date('2026-03-01T00:00:00Z');
    const recent = await callbacks.record('webmoney', raw);

    const batches: number[] = [];
    const purge = makePurgeOldCallbacks({
      callbacks: {
        deleteReceivedBefore: async (cutoff, limit) => {
          const n = await callbacks.deleteReceivedBefore(cutoff, limit);
          batches.push(n);
          return n;
        },
      },
      clock: { now: () => new Date('2026-03-02T00:00:00Z') },
      retentionDays: 30,
      batchSize: 2,
    });

    expect(await purge()).toBe(5);
    expect(batches).toEqual([2, 2, 1]);
    expect(callbacks.rows.map((r) => r.id)).toEqual([recent]);
    expect(await purge()).toBe(0);
  });
});
