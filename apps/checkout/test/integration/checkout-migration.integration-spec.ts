import { createKnex, type Knex, migrateLatest, staticMigrations } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';

const BEFORE = Object.fromEntries(
  Object.entries(migrations).filter(([name]) => name < '20261206130000'),
);
/** Up to the migration under test; later ones are not its concern. */
const THROUGH = Object.fromEntries(
  Object.entries(migrations).filter(([name]) => name < '20261206130001'),
);

const columnsOf = async (db: Knex, table: string) =>
  (
    await db.raw<{ rows: { column_name: string }[] }>(
      'select column_name from information_schema.columns where table_name = ? order by 1',
      [table],
    )
  ).rows.map((r) => r.column_name);

const fees = async (db: Knex) =>
  Object.fromEntries(
    (
      (await db('payments').select('id', 'fee_minor').orderBy('id')) as {
        id: string;
        fee_minor: bigint | null;
      }[]
    ).map((r) => [r.id, r.fee_minor]),
  );

describe('migrating checkout to fees from the ledger only', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('checkout_it_migrate');
    db = createKnex({ url: database.url, applicationName: 'checkout-it' });
    await migrateLatest(db, BEFORE);
    // Payments as the previous release wrote them: checkout's own fee in fee_minor, the ledger's
    // in ledger_fee_minor once posted (absent when an older ledger did not report it).
    await db.raw(`
      insert into merchants (id, name, enabled_methods, fee_rules) values
        ('mer_1', 'Books', '{card}',
         '[{"method": "card", "percent_bps": 250, "fixed_minor": "30"}]');
      insert into payments (id, merchant_id, amount_minor, currency, status, fee_minor,
                            ledger_fee_minor, succeeded_at, ledger_posted_at, expires_at) values
        ('pay_a_plan', 'mer_1', 10000, 'USD', 'succeeded', 280, 150, now(), now(), now()),
        ('pay_b_old_ledger', 'mer_1', 10000, 'USD', 'succeeded', 280, null, now(), now(), now()),
        ('pay_c_unposted', 'mer_1', 10000, 'USD', 'succeeded', 280, null, now(), null, now()),
        ('pay_d_open', 'mer_1', 10000, 'USD', 'pending', null, null, null, null, now());
    `);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('keeps one fee column holding the fee the ledger applied, and drops the merchants’ fee rules', async () => {
    expect(await migrateLatest(db, THROUGH)).toEqual(['20261206130000_fee_from_ledger_only']);
    expect(await fees(db)).toEqual({
      pay_a_plan: 150n,
      // Posted before the ledger reported fees: it applied the fee checkout sent.
      pay_b_old_ledger: 280n,
      // Not posted yet: the fee is known once the ledger answers.
      pay_c_unposted: null,
      pay_d_open: null,
    });
    expect(await columnsOf(db, 'payments')).not.toContain('ledger_fee_minor');
    expect(await columnsOf(db, 'merchants')).not.toContain('fee_rules');
  });

  it('rolls back to both columns, the ledger’s fee in ledger_fee_minor and no fee rules', async () => {
    await db.migrate.down({ migrationSource: staticMigrations(THROUGH) });
    expect(await columnsOf(db, 'payments')).toContain('ledger_fee_minor');
    expect(await db('merchants').select('fee_rules').first()).toEqual({ fee_rules: [] });
    expect(
      await db('payments').select('id', 'fee_minor', 'ledger_fee_minor').orderBy('id'),
    ).toEqual([
      { id: 'pay_a_plan', fee_minor: 150n, ledger_fee_minor: 150n },
      { id: 'pay_b_old_ledger', fee_minor: 280n, ledger_fee_minor: 280n },
      { id: 'pay_c_unposted', fee_minor: null, ledger_fee_minor: null },
      { id: 'pay_d_open', fee_minor: null, ledger_fee_minor: null },
    ]);
    expect(await migrateLatest(db, THROUGH)).toEqual(['20261206130000_fee_from_ledger_only']);
  });
});
