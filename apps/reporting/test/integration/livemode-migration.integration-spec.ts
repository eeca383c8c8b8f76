import { type Knex, migrateLatest } from '@tolem/db-kit';
import { createKnex } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import * as livemodeMigration from '../../migrations/20261210000000_livemode';
import * as deltasMigration from '../../migrations/20261211000000_daily_totals_deltas';
import { createDailyTotalsRepo } from '../../src/db/daily-totals.repo';
import { createPaymentFactsRepo } from '../../src/db/payment-facts.repo';

const BEFORE_MODES = Object.fromEntries(
  Object.entries(migrations).filter(([name]) => name < '20261210000000'),
);
const KEY = {
  merchantId: 'mer_old',
  day: '2026-03-01',
  currency: 'KGS',
  method: 'qr',
  status: 'succeeded',
};

describe('migrating a reporting database from before modes', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('reporting_it_modes');
    db = createKnex({ url: database.url, poolMax: 2 });
    await migrateLatest(db, BEFORE_MODES);
    // A paid payment, its refund and their totals as the previous release wrote them.
    await db.raw(`
      insert into payment_facts (payment_id, merchant_id, status, gross_minor, fee_minor, net_minor,
        currency, method, last_event_id, last_sequence, occurred_at, created_at, seen_sequences,
        status_sequence, amounts_sequence, fee_sequence)
      values ('pay_old', 'mer_old', 'succeeded', 10000, 100, 9900, 'KGS', 'qr', 'evt_1', 1,
        '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', '{1}', 1, 1, 1);
      insert into daily_totals (merchant_id, day, currency, method, status, payments_count,
        gross_minor, fee_minor, net_minor)
      values ('mer_old', '2026-03-01', 'KGS', 'qr', 'succeeded', 1, 10000, 100, 9900);
      insert into refund_facts (refund_id, payment_id, merchant_id, amount_minor, currency, status,
        status_sequence, method, status_at, last_sequence, updated_at)
      values ('re_old', 'pay_old', 'mer_old', 1000, 'KGS', 'pending', 2, 'qr',
        '2026-03-02T10:00:00Z', 2, now());
      insert into daily_refund_totals (merchant_id, day, currency, method, status, refunds_count,
        amount_minor)
      values ('mer_old', '2026-03-02', 'KGS', 'qr', 'pending', 1, 1000);
    `);
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('reads every existing row as test, as the ledger reads its rows from before modes', async () => {
    expect((await createPaymentFactsRepo(db).get('pay_old'))?.livemode).toBe(false);
    expect(await db('refund_facts').select('refund_id', 'livemode')).toEqual([
      { refund_id: 're_old', livemode: false },
    ]);
    expect(await db('daily_refund_totals').select('status', 'livemode', 'refunds_count')).toEqual([
      { status: 'pending', livemode: false, refunds_count: 1n },
    ]);
  });

  it('keys the daily totals by mode: a live payment of the same day gets its own row, a test one joins the old', async () => {
    const delta = { paymentsCount: 1n, grossMinor: 500n, feeMinor: 5n, netMinor: 495n };
    await db.transaction(async (trx) => {
      await createDailyTotalsRepo(trx).apply([{ key: { ...KEY, livemode: true }, ...delta }]);
      await createDailyTotalsRepo(trx).apply([{ key: { ...KEY, livemode: false }, ...delta }]);
    });
    expect(
      await db('daily_totals')
        .select('livemode', 'payments_count', 'gross_minor')
        .orderBy('livemode'),
    ).toEqual([
      { livemode: false, payments_count: 2n, gross_minor: 10_500n },
      { livemode: true, payments_count: 1n, gross_minor: 500n },
    ]);
  });

  it('folds the modes back together when rolled back', async () => {
    // Rolled back in order: the later daily-totals deltas first.
    await db.transaction(async (trx) => {
      await deltasMigration.down(trx);
      await livemodeMigration.down(trx);
    });
    expect(await db('daily_totals').select('status', 'payments_count', 'gross_minor')).toEqual([
      { status: 'succeeded', payments_count: 3n, gross_minor: 11_000n },
    ]);
    expect(await db('daily_refund_totals').select('refunds_count')).toEqual([
      { refunds_count: 1n },
    ]);
    const columns = await db('information_schema.columns')
      .where({ column_name: 'livemode', table_schema: 'public' })
      .pluck('table_name');
    expect(columns).toEqual([]);
  });
});
