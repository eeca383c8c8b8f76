import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { createIdempotencyKeysRepo } from '../../src/db/idempotency-keys.repo';
import { idempotencyStoreContract } from '../idempotency-store.contract';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let db: Knex;

beforeAll(async () => {
  database = await freshDatabase('gateway_it_idempotency');
  db = createKnex({ url: database.url, applicationName: 'gateway-it-idempotency' });
  await migrateLatest(db, migrations);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

idempotencyStoreContract('PostgreSQL repo', async () => {
  await db('idempotency_keys').truncate();
  return createIdempotencyKeysRepo(db);
});

/** A request's times: kept a day, leased a minute. */
const timesAt = (now: Date) => ({
  now,
  expiresAt: new Date(now.getTime() + 86_400_000),
  lockedUntil: new Date(now.getTime() + 60_000),
});

describe('idempotency keys repo (real PostgreSQL)', () => {
  it('group-commits concurrent completions and each claim sees its own answer', async () => {
    await db('idempotency_keys').truncate();
    const repo = createIdempotencyKeysRepo(db);
    const now = new Date();
    const times = timesAt(now);
    const print = { method: 'POST', path: '/v1/payments', fingerprint: { amount: 'x' } };
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => repo.claim('m', k, print, times)));
    await Promise.all(
      keys.map((k) => repo.complete('m', k, { status: 201, headers: {}, body: `{"k":"${k}"}` })),
    );
    const later = { ...times, now: new Date(now.getTime() + 1) };
    for (const k of keys) {
      expect(await repo.claim('m', k, print, later)).toMatchObject({
        outcome: 'completed',
        response: { status: 201, body: `{"k":"${k}"}` },
      });
    }
  });

  it('fails only the item a batch was refused for: the requests beside it are claimed and recorded', async () => {
    await db('idempotency_keys').truncate();
    const repo = createIdempotencyKeysRepo(db);
    const now = new Date();
    const times = timesAt(now);
    const print = { method: 'POST', path: '/v1/refunds', fingerprint: { amount: 'x' } };
    // jsonb refuses an unpaired surrogate (22P02): the fingerprint of a field named with one.
    const unstorable = { ...print, fingerprint: { 'a\uD800': 'x' } };
    const keys = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const claims = await Promise.allSettled([
      ...keys.map((k) => repo.claim('mer_a', k, print, times)),
      repo.claim('mer_b', 'bad', unstorable, times),
    ]);
    expect(claims.slice(0, 20).map((c) => c.status)).toEqual(keys.map(() => 'fulfilled'));
    expect(claims[20]).toMatchObject({ status: 'rejected', reason: { code: '22P02' } });

    const answer = { status: 201, headers: {}, body: '{}' };
    const records = await Promise.allSettled([
      ...keys.map((k) => repo.record('mer_c', k, print, answer, times)),
      repo.record('mer_b', 'bad', unstorable, answer, times),
    ]);
    expect(records.slice(0, 20)).toEqual(keys.map(() => ({ status: 'fulfilled', value: true })));
    expect(records[20]?.status).toBe('rejected');
    expect(await db('idempotency_keys').count('* as n').first()).toEqual({ n: 40n });
  });

  it('looks keys up by primary key after the table grew, on a connection that looked them up while it was small', async () => {
    await db('idempotency_keys').truncate();
    await db.raw('analyze idempotency_keys');
    // One connection: a named statement's generic plan is per connection, made after five calls.
    const single = createKnex({
      url: database.url,
      poolMax: 1,
      applicationName: 'gateway-it-plan',
    });
    try {
      const repo = createIdempotencyKeysRepo(single);
      const scans = async () => {
        const { rows } = await db.raw<{ rows: { seq: string; idx: string }[] }>(
          `select seq_scan::text as seq, coalesce(idx_scan, 0)::text as idx
             from pg_stat_user_tables where relname = 'idempotency_keys'`,
        );
        return { seq: Number(rows[0]?.seq), idx: Number(rows[0]?.idx) };
      };
      // The lookups' backend reports its counts when it goes idle after a forced flush.
      const countedScans = async (atLeast: number) => {
        await single.raw('select pg_stat_force_next_flush()');
        let n = await scans();
        for (let i = 0; i < 60 && n.seq + n.idx < atLeast; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          n = await scans();
        }
        return n;
      };
      const start = await scans();
      const now = new Date();
      for (let i = 0; i < 8; i += 1) await repo.find('m', `missing-${i}`, now);
      const before = await countedScans(start.seq + start.idx + 8);
      await db.raw(`
        insert into idempotency_keys (scope, key, request_method, request_path, fingerprint,
          response_status, response_headers, response_body, created_at, expires_at)
        select 'm', 'k' || g, 'POST', '/v1/payments', '{}', 201, '{}', repeat('x', 500), now(),
               now() + interval '1 day'
          from generate_series(1, 20000) g`);
      expect(await repo.find('m', 'k42', new Date())).toMatchObject({ outcome: 'completed' });
      const after = await countedScans(before.seq + before.idx + 1);
      // A plan cached while the table was empty hashed all of it (a sequential scan) per lookup.
      expect(after.seq - before.seq).toBe(0);
      expect(after.idx).toBeGreaterThan(before.idx);
    } finally {
      await single.destroy();
    }
  });

  it('lets exactly one of many concurrent first requests claim a key', async () => {
    await db('idempotency_keys').truncate();
    const repo = createIdempotencyKeysRepo(db);
    const now = new Date();
    const times = timesAt(now);
    const print = { method: 'POST', path: '/v1/payments', fingerprint: {} };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => repo.claim('m', 'race', print, times)),
    );
    expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'in_flight')).toHaveLength(7);
  });

  it('claims concurrent keys in far fewer statements, a repeated key in a later one', async () => {
    await db('idempotency_keys').truncate();
    const repo = createIdempotencyKeysRepo(db);
    const now = new Date();
    const times = timesAt(now);
    const print = { method: 'POST', path: '/v1/refunds', fingerprint: { amount: 'y' } };
    await repo.claim('m', 'done', print, times);
    await repo.complete('m', 'done', { status: 201, headers: {}, body: '{"ok":true}' });

    let statements = 0;
    const count = (q: { sql: string }) => {
      if (q.sql.includes('claimed as')) statements += 1;
    };
    db.on('query', count);
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `c${i}`);
      const [fresh, repeats] = await Promise.all([
        Promise.all(keys.map((k) => repo.claim('m', k, print, times))),
        Promise.all(Array.from({ length: 3 }, () => repo.claim('m', 'done', print, times))),
      ]);
      expect(fresh.every((r) => r.outcome === 'claimed')).toBe(true);
      // The same key three times in one burst: each answered as if alone (it was completed).
      for (const r of repeats) {
        expect(r).toMatchObject({ outcome: 'completed', response: { body: '{"ok":true}' } });
      }
      expect(statements).toBeGreaterThanOrEqual(3);
      expect(statements).toBeLessThan(10);
    } finally {
      db.off('query', count);
    }
  });
});
