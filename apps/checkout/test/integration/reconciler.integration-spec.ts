import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { money } from '@tolem/money';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { createPaymentsRepo } from '../../src/db/payments.repo';
import { createReconcilerCursorsRepo } from '../../src/db/reconciler-cursors.repo';
import { createReconcilerDifferencesRepo } from '../../src/db/reconciler-differences.repo';
import type { SettledTransaction } from '../../src/domain/ports';

/** The reconciler's storage against real PostgreSQL: what a restarted pass relies on. */
describe('reconciler storage (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('checkout_it_reconciler');
    db = createKnex({ url: database.url, applicationName: 'checkout-it-reconciler' });
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('migrates down and up again', async () => {
    await migrations['20261206170000_reconciler']?.down(db);
    await migrations['20261206170000_reconciler']?.up(db);
    expect(await createReconcilerCursorsRepo(db).get('x')).toBe('');
  });

  it('keeps the cursor across processes and moves it by name', async () => {
    const first = createReconcilerCursorsRepo(db);
    await first.set('provider-adapters.settled', '1700000000000000.ptx_a', new Date());
    await first.set('provider-adapters.settled', '1700000000000001.ptx_b', new Date());
    const restarted = createReconcilerCursorsRepo(db);
    expect(await restarted.get('provider-adapters.settled')).toBe('1700000000000001.ptx_b');
    expect(await restarted.get('another')).toBe('');
  });

  it('keeps an unexplained settlement once, with or without an amount, until resolved', async () => {
    const repo = createReconcilerDifferencesRepo(db);
    const tx: SettledTransaction = {
      transactionId: 'ptx_unknown_1',
      paymentId: 'pay_nowhere',
      merchantId: 'mer_1',
      provider: 'webmoney',
      method: 'webmoney_purse',
      providerPaymentId: '9001',
      amount: money(1_500n, 'USD'),
      attributes: { payer_purse: 'Z1' },
      settledAt: new Date('2026-12-06T10:00:00.000Z'),
    };
    const noAmount = {
      ...tx,
      transactionId: 'ptx_unknown_2',
      provider: 'paykassma' as const,
      method: 'wavepay' as const,
      amount: null,
    };
    const found = { code: 'RECONCILE_UNKNOWN_PAYMENT', detail: 'not here' };
    await repo.record({ transaction: tx, ...found }, new Date('2026-12-06T10:01:00.000Z'));
    await repo.record({ transaction: noAmount, ...found }, new Date('2026-12-06T10:02:00.000Z'));
    await repo.record(
      { transaction: tx, code: 'OTHER', detail: 'again' },
      new Date('2026-12-06T10:03:00.000Z'),
    );
    expect(await repo.listOpen(10)).toEqual([
      { transaction: tx, ...found },
      { transaction: noAmount, ...found },
    ]);
    await repo.resolve('ptx_unknown_1', new Date());
    expect((await repo.listOpen(10)).map((d) => d.transaction.transactionId)).toEqual([
      'ptx_unknown_2',
    ]);
    const by = { operator: 'ops-ana', note: 'returned WM-77', at: new Date() };
    expect(await repo.acknowledge('ptx_unknown_2', by)).toEqual({ already: false });
    expect(await repo.acknowledge('ptx_unknown_2', by)).toEqual({ already: true });
    expect(await repo.acknowledge('ptx_unknown_1', by)).toEqual({ already: true });
    expect(await repo.acknowledge('ptx_never', by)).toBeUndefined();
    expect(await repo.listOpen(10)).toEqual([]);
    expect(
      await db('reconciler_differences')
        .orderBy('transaction_id')
        .select('transaction_id', 'resolved_by', 'resolution_note'),
    ).toEqual([
      { transaction_id: 'ptx_unknown_1', resolved_by: 'reconciler', resolution_note: '' },
      {
        transaction_id: 'ptx_unknown_2',
        resolved_by: 'ops-ana',
        resolution_note: 'returned WM-77',
      },
    ]);
  });

  it('lists payments pending since before a time, the longest waiting first', async () => {
    await db.raw(`
      insert into merchants (id, name, enabled_methods) values ('mer_r', 'Shop', '{webmoney_purse}');
      insert into payments (id, merchant_id, amount_minor, currency, status, updated_at, expires_at)
      values
        ('pay_r_new', 'mer_r', 100, 'USD', 'pending', '2026-12-06T10:30:00Z', '2026-12-07T00:00:00Z'),
        ('pay_r_old', 'mer_r', 100, 'USD', 'pending', '2026-12-06T09:00:00Z', '2026-12-07T00:00:00Z'),
        ('pay_r_mid', 'mer_r', 100, 'USD', 'pending', '2026-12-06T09:30:00Z', '2026-12-07T00:00:00Z'),
        ('pay_r_done', 'mer_r', 100, 'USD', 'failed', '2026-12-06T08:00:00Z', '2026-12-07T00:00:00Z');
    `);
    const payments = createPaymentsRepo(db, { afterStatusEvent: () => undefined });
    const before = new Date('2026-12-06T10:00:00Z');
    const due = await payments.listPendingSince(before, null, 10);
    expect(due.map((p) => p.id)).toEqual(['pay_r_old', 'pay_r_mid']);
    const [first] = await payments.listPendingSince(before, null, 1);
    expect(first?.id).toBe('pay_r_old');
    const after = { updatedAt: first?.updatedAt as Date, id: 'pay_r_old' };
    expect((await payments.listPendingSince(before, after, 10)).map((p) => p.id)).toEqual([
      'pay_r_mid',
    ]);
  });
});
