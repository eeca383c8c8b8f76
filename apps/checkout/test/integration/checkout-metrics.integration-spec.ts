import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { sumSamples } from '@tolem/metrics';
import { money } from '@tolem/money';
import { freshDatabase } from '@tolem/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { createPaymentsRepo } from '../../src/db/payments.repo';
import { createReconcilerDifferencesRepo } from '../../src/db/reconciler-differences.repo';
import { checkoutMetrics } from '../../src/metrics';

/** Checkout's domain metrics over its real repositories and tables (PostgreSQL). */
describe('checkout metrics (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  const registry = new Registry();

  beforeAll(async () => {
    database = await freshDatabase('checkout_it_metrics');
    db = createKnex({ url: database.url, applicationName: 'checkout-it-metrics' });
    await migrateLatest(db, migrations);
    await db.raw(`
      insert into merchants (id, name, enabled_methods) values ('mer_m', 'Shop', '{card}');
      insert into payments (id, merchant_id, amount_minor, currency, status, method, updated_at, expires_at)
      values ('pay_m1', 'mer_m', 100, 'USD', 'pending', 'card', now(), now() + interval '1 day'),
             ('pay_m2', 'mer_m', 100, 'USD', 'pending', 'card', now(), now() + interval '1 day');
    `);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('counts payments by method and outcome once they reach a final status, not again after', async () => {
    const counts = checkoutMetrics(db, registry);
    const payments = createPaymentsRepo(db, { afterFinal: (p) => counts.finished(p) });
    const finish = async (id: string, to: 'succeeded' | 'failed') => {
      const payment = await payments.findById(id);
      if (!payment) throw new Error(id);
      const at = new Date();
      return payments.update({ ...payment, status: to, updatedAt: at }, payment.version, {
        paymentId: id,
        from: payment.status,
        to,
        reason: 'test',
        at,
        event: null,
      });
    };
    await finish('pay_m1', 'succeeded');
    await finish('pay_m2', 'failed');
    // A final payment written again (e.g. its ledger posting noted) is not a second outcome.
    await finish('pay_m1', 'succeeded');

    const text = await registry.metrics();
    const finished = (outcome: string) =>
      sumSamples(text, 'tolem_payments_finished_total', { method: 'card', outcome });
    expect(finished('succeeded')).toBe(1);
    expect(finished('failed')).toBe(1);
    expect(text).not.toContain('pay_m1');
  });

  it('reads open cases and unexplained reconciliation differences on scrape', async () => {
    checkoutMetrics(db, registry);
    await db('cases').insert({
      id: 'case_m1',
      kind: 'late_payment',
      status: 'open',
      payment_id: 'pay_m2',
      merchant_id: 'mer_m',
      provider: 'webmoney',
      method: 'card',
      amount_minor: 100,
      currency: 'USD',
      expected_minor: 100,
      expected_currency: 'USD',
      payment_status: 'failed',
      reason: 'late',
      dedupe_key: 'case_m1',
      created_at: new Date(),
    });
    const differences = createReconcilerDifferencesRepo(db);
    await differences.record(
      {
        transaction: {
          transactionId: 'ptx_m1',
          paymentId: 'pay_nowhere',
          merchantId: 'mer_m',
          provider: 'webmoney',
          method: 'webmoney_purse',
          providerPaymentId: '9001',
          amount: money(1_500n, 'USD'),
          attributes: {},
          settledAt: new Date(),
        },
        code: 'RECONCILE_UNKNOWN_PAYMENT',
        detail: 'not here',
      },
      new Date(),
    );

    let text = await registry.metrics();
    expect(sumSamples(text, 'tolem_cases_open', { kind: 'late_payment' })).toBe(1);
    const open = { code: 'RECONCILE_UNKNOWN_PAYMENT', provider: 'webmoney' };
    expect(sumSamples(text, 'tolem_reconcile_differences_open', open)).toBe(1);

    await db('cases').where({ id: 'case_m1' }).update({ status: 'applied' });
    await differences.resolve('ptx_m1', new Date());
    text = await registry.metrics();
    expect(sumSamples(text, 'tolem_cases_open')).toBe(0);
    expect(sumSamples(text, 'tolem_reconcile_differences_open')).toBe(0);
  });
});
