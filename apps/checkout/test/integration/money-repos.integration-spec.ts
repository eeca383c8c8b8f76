import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { money } from '@tolem/money';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeCreatePayment } from '../../src/app/create-payment';
import { createCasesRepo } from '../../src/db/cases.repo';
import { createMerchantsRepo } from '../../src/db/merchants.repo';
import { createPaymentsRepo } from '../../src/db/payments.repo';
import { createRefundsRepo } from '../../src/db/refunds.repo';
import { newCase } from '../../src/domain/case';
import type { Payment } from '../../src/domain/payment';
import type { Refund } from '../../src/domain/refund';
import { createRepoMerchant } from './repo-merchant';

const clock = { now: () => new Date() };

/** The refund and case repositories on real PostgreSQL: reads of payments, sweep lists. */
describe('refunds and cases repositories (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  /** One connection only: a read that needs a second one while a transaction holds it hangs. */
  let single: Knex;
  let merchantId: string;
  beforeAll(async () => {
    database = await freshDatabase('checkout_it_refunds_repo');
    db = createKnex({ url: database.url, applicationName: 'checkout-it' });
    single = createKnex({ url: database.url, applicationName: 'checkout-it-1', poolMax: 1 });
    await migrateLatest(db, migrations);
    merchantId = (await createRepoMerchant(db, 'refund-shop')).id;
  });

  afterAll(async () => {
    await db?.destroy();
    await single?.destroy();
    await database?.drop();
  });

  const createPayment = (key: string) =>
    makeCreatePayment({
      merchants: createMerchantsRepo(db),
      payments: createPaymentsRepo(db),
      clock,
      paymentTtlMs: 60_000,
    })({
      merchantId,
      idempotencyKey: key,
      amountMinor: 5_000n,
      currency: 'USD',
      orderId: `order-${key}`,
      description: 'A lamp',
      successUrl: '',
      failUrl: '',
      metadata: {},
    });

  const refundOf = (payment: Payment, id: string): Refund => ({
    id,
    merchantId,
    paymentId: payment.id,
    amount: money(1_000n, payment.amount.currency),
    status: 'pending',
    step: 'reserve',
    execution: null,
    reason: '',
    outcome: null,
    outcomeReference: '',
    failureCode: '',
    operator: '',
    idempotencyKey: `key-${id}`,
    livemode: payment.livemode,
    createdAt: new Date(),
    updatedAt: new Date(),
  });

  /** Creates a refund through the repository on `conn` and queues it for a payout. */
  const queueRefund = async (conn: Knex, payment: Payment, id: string) => {
    const seen: Payment[] = [];
    const result = await createRefundsRepo(conn).createIdempotent(
      { merchantId, idempotencyKey: `key-${id}`, paymentId: payment.id },
      { canonical: { payment: payment.id }, fingerprint: `fp-${id}` },
      (current) => {
        seen.push(current);
        return refundOf(current, id);
      },
    );
    await db('refunds').where({ id }).update({ step: 'await_payout', execution: 'payout_queue' });
    return { result, seen };
  };

  it('creates a refund with the payment read on its own transaction (one pooled connection is enough)', async () => {
    const payment = (await createPayment('single')).view.payment;
    const { result, seen } = await queueRefund(single, payment, 're_single');
    expect(result).toMatchObject({ created: true, refund: { id: 're_single' } });
    expect(seen).toEqual([payment]);
  });

  it('answers retries of a refund sent at once as replays of the one refund, whatever the key names', async () => {
    const payment = (await createPayment('race')).view.payment;
    const other = (await createPayment('race-other')).view.payment;
    const refunds = createRefundsRepo(db);
    // The whole rest of the payment: a retry that saw the first take it would be refused.
    const create = (target: Payment, id: string) =>
      refunds.createIdempotent(
        { merchantId, idempotencyKey: 'key-race', paymentId: target.id },
        { canonical: { payment: target.id }, fingerprint: `fp-${target.id}` },
        (current) => ({
          ...refundOf(current, id),
          amount: current.amount,
          idempotencyKey: 'key-race',
        }),
      );
    const targets = [payment, payment, payment, other];
    // All four get past the key lookup, then queue on the payments' locks held here.
    const holder = await db.transaction();
    await holder('payments').whereIn('id', [payment.id, other.id]).forUpdate();
    const pending = Promise.all(targets.map((t, i) => create(t, `re_race_${i}`)));
    for (;;) {
      const waiting = await db.raw<{ rows: { n: number }[] }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting.rows[0]?.n === targets.length) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await holder.commit();
    const results = await pending;
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const winner = created[0]!.refund;
    expect(results.map((r) => r.refund.id)).toEqual(targets.map(() => winner.id));
    expect(await db('refunds').where({ idempotency_key: 'key-race' }).count()).toEqual([
      { count: 1n },
    ]);
    // A replay carries the first request's fingerprint: the use case tells the key's other
    // payment apart by it (IDEMPOTENCY_KEY_REUSED).
    results.forEach((r, i) => {
      if (!r.created) expect(r.fingerprint).toBe(`fp-${winner.paymentId}`);
      expect(targets[i]!.id === winner.paymentId).toBe(
        r.created || r.fingerprint === `fp-${targets[i]!.id}`,
      );
    });
  });

  it('lists the payout queue with its payments in two reads, whatever the page holds', async () => {
    await db.raw('truncate refunds');
    const payments: Payment[] = [];
    for (const key of ['q1', 'q2', 'q3']) payments.push((await createPayment(key)).view.payment);
    for (const [i, payment] of payments.entries()) await queueRefund(db, payment, `re_q${i}`);
    // Two refunds of one payment: its row is read once and given to both.
    await queueRefund(db, payments[0]!, 're_q3');

    const statements: string[] = [];
    const count = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', count);
    const queue = await createRefundsRepo(db).listAwaitingPayout(10);
    db.off('query', count);

    expect(statements).toHaveLength(2);
    expect(queue.map((q) => [q.refund.id, q.payment.id])).toEqual([
      ['re_q0', payments[0]!.id],
      ['re_q1', payments[1]!.id],
      ['re_q2', payments[2]!.id],
      ['re_q3', payments[0]!.id],
    ]);
    expect(queue[1]?.payment).toEqual(payments[1]);
  });
  it("leaves a case whose hold the ledger refused out of the sweeper's list for 10 s, doubling", async () => {
    const cases = createCasesRepo(db);
    const payment = (await createPayment('case-1')).view.payment;
    const at = new Date('2026-12-07T10:00:00.000Z');
    const { case: opened } = await cases.openOnce(
      newCase({
        id: 'case_refused',
        kind: 'amount_mismatch',
        payment,
        provider: 'webmoney',
        method: 'webmoney_purse',
        success: {
          providerPaymentId: 'wm-1',
          attributes: {},
          callbackId: 'cb-1',
          amount: money(1n, 'USD'),
        },
        now: at,
      }),
    );
    const opening = async (now: Date) =>
      (await cases.listOpening(new Date(now.getTime() + 1), 10, now)).map((c) => c.id);
    expect(await opening(at)).toEqual([opened.id]);
    await cases.deferHold(opened.id, at);
    expect(await opening(new Date(at.getTime() + 9_999))).toEqual([]);
    expect(await opening(new Date(at.getTime() + 10_000))).toEqual([opened.id]);
    await cases.deferHold(opened.id, at);
    expect(await opening(new Date(at.getTime() + 19_999))).toEqual([]);
    for (let i = 0; i < 60; i += 1) await cases.deferHold(opened.id, at);
    expect(await opening(new Date(at.getTime() + 3_600_000))).toEqual([opened.id]);
  });
  it('leaves a refund the sweeper could not move out of its list for 10 s, doubling to 10 min, until it moves', async () => {
    const refunds = createRefundsRepo(db);
    const payment = (await createPayment('sweep-1')).view.payment;
    await refunds.createIdempotent(
      { merchantId, idempotencyKey: 'key-re_sweep', paymentId: payment.id },
      { canonical: { payment: payment.id }, fingerprint: 'fp' },
      (current) => ({
        ...refundOf(current, 're_sweep'),
        createdAt: new Date(0),
        updatedAt: new Date(0),
      }),
    );
    const at = new Date('2026-12-07T10:00:00.000Z');
    const unfinished = async (now: Date) =>
      (await refunds.listUnfinished(now, 10, now)).map((r) => r.id);
    expect(await unfinished(at)).toEqual(['re_sweep']);
    await refunds.deferSweep('re_sweep', at);
    expect(await unfinished(new Date(at.getTime() + 9_999))).toEqual([]);
    expect(await unfinished(new Date(at.getTime() + 10_000))).toEqual(['re_sweep']);
    for (let i = 0; i < 60; i += 1) await refunds.deferSweep('re_sweep', at);
    expect(await unfinished(new Date(at.getTime() + 599_999))).toEqual([]);
    expect(await unfinished(new Date(at.getTime() + 600_000))).toEqual(['re_sweep']);
    // A step taken starts its waits over.
    const current = (await refunds.findById('re_sweep'))!;
    await refunds.advance('re_sweep', 'reserve', { ...current, step: 'execute' }, new Date(1_000));
    expect(await unfinished(at)).toEqual(['re_sweep']);
  });
});
