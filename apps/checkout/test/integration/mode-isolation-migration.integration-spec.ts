import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';

const BEFORE = Object.fromEntries(
  Object.entries(migrations).filter(([name]) => name < '20261210000500'),
);

describe('migrating checkout to isolated test and live modes', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('checkout_it_migrate_modes');
    db = createKnex({ url: database.url, applicationName: 'checkout-it' });
    await migrateLatest(db, BEFORE);
    // Refunds as the previous release wrote them: no mode of their own.
    await db.raw(`
      insert into merchants (id, name, enabled_methods) values ('mer_1', 'Books', '{card}');
      insert into payments (id, merchant_id, amount_minor, currency, status, livemode, expires_at)
      values ('pay_live', 'mer_1', 10000, 'USD', 'succeeded', true, now()),
             ('pay_test', 'mer_1', 10000, 'USD', 'succeeded', false, now());
      insert into refunds (id, merchant_id, payment_id, amount_minor, currency, status, step,
                           idempotency_key, request, request_fingerprint, created_at, updated_at)
      values ('re_live', 'mer_1', 'pay_live', 100, 'USD', 'pending', 'reserve', 'k1', '{}', 'f', now(), now()),
             ('re_test', 'mer_1', 'pay_test', 100, 'USD', 'pending', 'reserve', 'k2', '{}', 'f', now(), now());
    `);
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("gives existing refunds their payment's mode", async () => {
    const rows = (await db('refunds').select('id', 'livemode').orderBy('id')) as {
      id: string;
      livemode: boolean;
    }[];
    expect(rows).toEqual([
      { id: 're_live', livemode: true },
      { id: 're_test', livemode: false },
    ]);
  });

  it('swaps the merchant indexes for ones that lead with the mode', async () => {
    const { rows } = await db.raw<{ rows: { indexname: string; indexdef: string }[] }>(
      `select indexname, indexdef from pg_indexes
       where tablename in ('payments', 'refunds') and indexname like '%merchant%idx'
       order by indexname`,
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      'payments_merchant_mode_idx',
      'refunds_merchant_mode_idx',
    ]);
    expect(rows[0]?.indexdef).toContain('(merchant_id, livemode, created_at DESC, id DESC)');
    expect(rows[1]?.indexdef).toContain('(merchant_id, livemode, id)');
  });
});
