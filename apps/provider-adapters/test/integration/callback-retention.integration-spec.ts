import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makePurgeOldCallbacks } from '../../src/app/purge-old-callbacks';
import { createProviderCallbacksRepo } from '../../src/db/provider-callbacks.repo';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The raw-callback audit table's retention against real PostgreSQL. */
describe('callback retention (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('provider_adapters_retention_it');
    db = createKnex({ url: database.url, applicationName: 'provider-adapters-retention-it' });
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('deletes callbacks older than the retention, a small batch at a time, and keeps recent ones', async () => {
    const repo = createProviderCallbacksRepo(db);
    const raw = {
      method: 'POST',
      path: '/callbacks/webmoney',
      query: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('LMI_PAYMENT_NO=1'),
      remoteAddress: '127.0.0.1',
    };
    const now = new Date();
    const ids = await Promise.all(Array.from({ length: 7 }, () => repo.record('webmoney', raw)));
    const [recent, edge, ...old] = ids as [string, string, ...string[]];
    await db('provider_callbacks')
      .whereIn('id', old)
      .update({ received_at: new Date(now.getTime() - 31 * DAY_MS) });
    // One day inside the retention: kept.
    await db('provider_callbacks')
      .where({ id: edge })
      .update({ received_at: new Date(now.getTime() - 29 * DAY_MS) });

    const batches: number[] = [];
    const purge = makePurgeOldCallbacks({
      callbacks: {
        async deleteReceivedBefore(cutoff, limit) {
          const n = await repo.deleteReceivedBefore(cutoff, limit);
          batches.push(n);
          return n;
        },
      },
      clock: { now: () => now },
      retentionDays: 30,
      batchSize: 2,
    });

    expect(await purge()).toBe(5);
    expect(batches).toEqual([2, 2, 1]);
    const left = await db('provider_callbacks').pluck('id');
    expect(left.sort()).toEqual([recent, edge].sort());
    expect(await purge()).toBe(0);
  });
});
