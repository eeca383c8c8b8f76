import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { sumSamples } from '@tolem/metrics';
import { money } from '@tolem/money';
import { freshDatabase } from '@tolem/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { createPaymentsRepo } from '../../src/db/payments.repo';
import { createReconcilerDifferencesRepo } from '../../src/db/reconciler-differences.repo';
import { createRefundsRepo } from '../../src/db/refunds.repo';
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

  it('reads refunds the sweeper could not move on, by step, and the payout queue on scrape', async () => {
    checkoutMetrics(db, registry);
    const refund = (id: string, step: string) => ({
      id,
      merchant_id: 'mer_m',
      payment_id: 'pay_m1',
      amount_minor: 10,
      currency: 'USD',
      status: 'pending',
      step,
      execution: step === 'await_payout' ? 'payout_queue' : step === 'reserve' ? null : 'provider',
      outcome: step === 'resolve' ? 'refunded_by_provider' : null,
      idempotency_key: id,
      request: {},
      request_fingerprint: id,
      created_at: new Date(),
      updated_at: new Date(),
    });
    await db('refunds').insert([
      refund('re_m1', 'resolve'),
      refund('re_m2', 'resolve'),
      refund('re_m3', 'execute'),
      refund('re_m4', 'await_payout'),
      refund('re_m5', 'await_payout'),
    ]);
    const refunds = createRefundsRepo(db);
    // Tried by the sweep and not moved on: re_m1 (resolve) and re_m3 (execute); re_m2 is fresh.
    await refunds.deferSweep('re_m1', new Date());
    await refunds.deferSweep('re_m3', new Date());

    let text = await registry.metrics();
    expect(sumSamples(text, 'tolem_refunds_stalled', { step: 'resolve' })).toBe(1);
    expect(sumSamples(text, 'tolem_refunds_stalled', { step: 'execute' })).toBe(1);
    expect(sumSamples(text, 'tolem_refunds_stalled', { step: 'reserve' })).toBe(0);
    expect(sumSamples(text, 'tolem_refund_payouts_waiting')).toBe(2);
    expect(sumSamples(text, 'tolem_refund_payouts_oldest_age_seconds')).toBeLessThan(60);
    await db('refunds')
      .where({ id: 're_m4' })
      .update({ updated_at: db.raw(`now() - interval '2 hours'`) });
    text = await registry.metrics();
    const oldest = sumSamples(text, 'tolem_refund_payouts_oldest_age_seconds');
    expect(oldest).toBeGreaterThanOrEqual(7_200);
    expect(oldest).toBeLessThan(7_260);

    // A step taken clears the stall: the ledger ended re_m1.
    const stalled = await refunds.findById('re_m1');
    if (!stalled) throw new Error('re_m1');
    await refunds.advance(
      're_m1',
      'resolve',
      { ...stalled, step: 'done', status: 'succeeded' },
      new Date(),
    );
    text = await registry.metrics();
    expect(sumSamples(text, 'tolem_refunds_stalled', { step: 'resolve' })).toBe(0);
    expect(sumSamples(text, 'tolem_refunds_stalled')).toBe(1);

    await db('refunds')
      .where({ step: 'await_payout' })
      .update({ step: 'done', status: 'succeeded' });
    text = await registry.metrics();
    expect(sumSamples(text, 'tolem_refund_payouts_waiting')).toBe(0);
    expect(sumSamples(text, 'tolem_refund_payouts_oldest_age_seconds')).toBe(0);
  });
});
