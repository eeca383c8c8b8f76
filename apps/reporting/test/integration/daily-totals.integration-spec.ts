import { type Knex, migrateLatest } from '@tolem/db-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import * as deltasMigration from '../../migrations/20261211000000_daily_totals_deltas';
import {
  createDailyTotalsFolder,
  createDailyTotalsReader,
  createDailyTotalsRepo,
  createRefundTotalsRepo,
} from '../../src/db/daily-totals.repo';
import { createDailyTotalsMoneyDays } from '../../src/db/money-days.reader';
import type { DailyTotalsDelta, DailyTotalsKey } from '../../src/domain/daily-totals';
import { type TestDatabase, testDatabase } from './harness';

const DAY = '2026-04-01';
const keyOf = (status: string, merchantId = 'mer_busy'): DailyTotalsKey => ({
  merchantId,
  day: DAY,
  currency: 'KGS',
  method: 'card',
  status,
  livemode: true,
});
const paid = (status: string, count: bigint, gross: bigint, merchantId?: string) =>
  ({
    key: keyOf(status, merchantId),
    paymentsCount: count,
    grossMinor: gross,
    feeMinor: gross / 100n,
    netMinor: gross - gross / 100n,
  }) satisfies DailyTotalsDelta;

describe('daily totals: appended deltas, folded in batches, read exactly (real PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Knex;

  const read = (merchantId = 'mer_busy') =>
    createDailyTotalsReader(db).payments({ merchantId, fromDay: DAY, toDay: DAY });
  const deltasLeft = async () =>
    Number(
      (await db('daily_totals_deltas').count<{ count: string }[]>('* as count'))[0]?.count ?? 0,
    );

  beforeAll(async () => {
    database = await testDatabase('reporting_it_totals');
    db = database.db;
    await migrateLatest(db, migrations);
  });

  beforeEach(async () => {
    await db('daily_totals_deltas').delete();
    await db('daily_totals_folded').delete();
    await db('daily_refund_totals_deltas').delete();
    await db('daily_refund_totals_folded').delete();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("never makes one event's transaction wait for another's on the same merchant's day", async () => {
    const holding = await db.transaction();
    try {
      await createDailyTotalsRepo(holding).apply([paid('succeeded', 1n, 1_000n)]);
      // Before: an upsert of the same row waited for the open transaction (lock_timeout here).
      await db.transaction(async (trx) => {
        await trx.raw(`set local lock_timeout = '500ms'`);
        await createDailyTotalsRepo(trx).apply([paid('succeeded', 1n, 2_000n)]);
      });
      await holding.commit();
    } catch (err) {
      await holding.rollback();
      throw err;
    }
    expect((await read())[0]).toMatchObject({ paymentsCount: 2n, grossMinor: 3_000n });
  });

  it('reads the same totals before and after folding; a row that adds up to nothing is left out', async () => {
    const repo = createDailyTotalsRepo(db);
    await repo.apply([paid('pending', 1n, 500n), paid('pending', 1n, 700n)]);
    // The first payment succeeds: it leaves pending, joins succeeded.
    await repo.apply([paid('pending', -1n, -500n), paid('succeeded', 1n, 500n)]);
    const expected = [
      { status: 'pending', paymentsCount: 1n, grossMinor: 700n, feeMinor: 7n, netMinor: 693n },
      { status: 'succeeded', paymentsCount: 1n, grossMinor: 500n, feeMinor: 5n, netMinor: 495n },
    ];
    expect(await read()).toMatchObject(expected);

    const folder = createDailyTotalsFolder(db);
    expect(await folder.foldOnce(1_000)).toBe(4);
    expect(await deltasLeft()).toBe(0);
    expect(await read()).toMatchObject(expected);

    // The second leaves pending too: pending adds up to nothing, folded or not.
    await repo.apply([paid('pending', -1n, -700n), paid('succeeded', 1n, 700n)]);
    const pendingGone = [{ status: 'succeeded', paymentsCount: 2n, grossMinor: 1_200n }];
    expect(await read()).toMatchObject(pendingGone);
    expect(await read()).toHaveLength(1);
    await folder.foldOnce(1_000);
    expect(await read()).toMatchObject(pendingGone);
    expect(await read()).toHaveLength(1);
    // The consistency check's view of the same totals.
    const days = await createDailyTotalsMoneyDays(db).moneyDays({
      merchantId: 'mer_busy',
      fromDay: DAY,
      toDay: DAY,
    });
    expect(days).toMatchObject([{ paymentsCount: 2n, grossMinor: 1_200n, livemode: true }]);
  });

  it('folds refund totals the same way', async () => {
    const refunds = createRefundTotalsRepo(db);
    const key = keyOf('succeeded');
    await refunds.apply([{ key, refundsCount: 1n, amountMinor: 300n }]);
    await refunds.apply([{ key, refundsCount: 1n, amountMinor: 200n }]);
    const query = { merchantId: 'mer_busy', fromDay: DAY, toDay: DAY };
    const before = await createDailyTotalsReader(db).refunds(query);
    expect(await createDailyTotalsFolder(db).foldOnce(1_000)).toBe(2);
    expect(await createDailyTotalsReader(db).refunds(query)).toEqual(before);
    expect(before).toMatchObject([{ refundsCount: 2n, amountMinor: 500n }]);
  });

  it('two folders at once fold every delta exactly once, in batches', async () => {
    const repo = createDailyTotalsRepo(db);
    const merchants = ['mer_a', 'mer_b', 'mer_c'];
    let expectedGross = 0n;
    for (let i = 0; i < 30; i += 1) {
      const rows = Array.from({ length: 20 }, (_, j) => {
        const gross = BigInt(100 + i * 20 + j);
        expectedGross += gross;
        return paid(j % 2 ? 'succeeded' : 'failed', 1n, gross, merchants[j % 3]);
      });
      await repo.apply(rows);
    }
    const a = createDailyTotalsFolder(db);
    const b = createDailyTotalsFolder(db);
    const foldAll = async (f: typeof a) => {
      let total = 0;
      for (;;) {
        const n = await f.foldOnce(50);
        if (n === 0) return total;
        total += n;
      }
    };
    const [byA, byB] = await Promise.all([foldAll(a), foldAll(b)]);
    expect(byA + byB).toBe(600);
    expect(await deltasLeft()).toBe(0);
    const rows = (await Promise.all(merchants.map((m) => read(m)))).flat();
    expect(rows.reduce((n, r) => n + r.paymentsCount, 0n)).toBe(600n);
    expect(rows.reduce((n, r) => n + r.grossMinor, 0n)).toBe(expectedGross);
    expect(await db('daily_totals_folded').count<{ count: string }[]>('* as count')).toEqual([
      { count: 6n },
    ]);
  });

  it('rolled back, the deltas are folded into the table as it was, rows of nothing deleted', async () => {
    const repo = createDailyTotalsRepo(db);
    await repo.apply([paid('pending', 1n, 500n)]);
    await createDailyTotalsFolder(db).foldOnce(1_000);
    await repo.apply([paid('pending', -1n, -500n), paid('succeeded', 1n, 500n)]);
    await createRefundTotalsRepo(db).apply([
      { key: keyOf('pending'), refundsCount: 1n, amountMinor: 100n },
    ]);
    await db.transaction((trx) => deltasMigration.down(trx));
    try {
      expect(await db('daily_totals').select('status', 'payments_count', 'gross_minor')).toEqual([
        { status: 'succeeded', payments_count: 1n, gross_minor: 500n },
      ]);
      expect(await db('daily_refund_totals').select('status', 'refunds_count')).toEqual([
        { status: 'pending', refunds_count: 1n },
      ]);
    } finally {
      await db.transaction((trx) => deltasMigration.up(trx));
    }
    // Up again: the rows are the folded ones, read the same.
    expect(await read()).toMatchObject([{ status: 'succeeded', paymentsCount: 1n }]);
  });
});
