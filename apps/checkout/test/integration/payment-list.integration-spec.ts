import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeListPaymentEvents } from '../../src/app/list-payment-events';
import { type ListPaymentsInput, makeListPayments } from '../../src/app/list-payments';
import { createMerchantsRepo } from '../../src/db/merchants.repo';
import {
  createPaymentListReader,
  createPaymentsRepo,
  createPaymentTimelineReader,
} from '../../src/db/payments.repo';

/** ListPayments' keyset pages and filters, and ListPaymentEvents, on real PostgreSQL. */
describe('payment list and timeline (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let list: ReturnType<typeof makeListPayments>;
  let events: ReturnType<typeof makeListPaymentEvents>;

  beforeAll(async () => {
    database = await freshDatabase('checkout_it_list');
    db = createKnex({ url: database.url, applicationName: 'checkout-it-list' });
    await migrateLatest(db, migrations);
    const merchants = createMerchantsRepo(db);
    list = makeListPayments({ reader: createPaymentListReader(db), merchants });
    events = makeListPaymentEvents({
      payments: createPaymentsRepo(db),
      timeline: createPaymentTimelineReader(db),
    });
    // Two merchants; mer_a has 7 payments, two of them created at the same instant (ties break
    // by id), mer_b one. Created times are minutes apart, newest = highest number.
    await db.raw(`
      insert into merchants (id, name, enabled_methods) values
        ('mer_a', 'A', '{webmoney_purse}'), ('mer_b', 'B', '{card}');
      insert into payments (id, merchant_id, amount_minor, currency, status, order_id, method,
                            created_at, updated_at, expires_at)
      values
        ('pay_a1', 'mer_a', 100, 'USD', 'succeeded', 'o-1', 'webmoney_purse', '2026-12-01T10:01:00Z', now(), now()),
        ('pay_a2', 'mer_a', 100, 'USD', 'failed',    'o-2', 'webmoney_purse', '2026-12-01T10:02:00Z', now(), now()),
        ('pay_a3', 'mer_a', 100, 'USD', 'created',   'o-3', null,             '2026-12-01T10:03:00Z', now(), now()),
        ('pay_a4', 'mer_a', 100, 'USD', 'succeeded', 'o-4', 'webmoney_purse', '2026-12-01T10:04:00Z', now(), now()),
        ('pay_a5', 'mer_a', 100, 'USD', 'created',   'o-5', null,             '2026-12-01T10:05:00Z', now(), now()),
        ('pay_a6', 'mer_a', 100, 'USD', 'created',   'o-6', null,             '2026-12-01T10:05:00Z', now(), now()),
        ('pay_a7', 'mer_a', 100, 'USD', 'pending',   'o-7', 'webmoney_purse', '2026-12-01T10:07:00Z', now(), now()),
        ('pay_b1', 'mer_b', 100, 'USD', 'succeeded', 'o-1', 'card',           '2026-12-01T10:06:00Z', now(), now());
      -- mer_m has payments of both modes, interleaved in time.
      insert into merchants (id, name, enabled_methods) values ('mer_m', 'M', '{card}');
      insert into payments (id, merchant_id, amount_minor, currency, status, livemode, created_at,
                            updated_at, expires_at)
      values
        ('pay_m1', 'mer_m', 100, 'USD', 'created', false, '2026-12-01T11:01:00Z', now(), now()),
        ('pay_m2', 'mer_m', 100, 'USD', 'created', true,  '2026-12-01T11:02:00Z', now(), now()),
        ('pay_m3', 'mer_m', 100, 'USD', 'created', false, '2026-12-01T11:03:00Z', now(), now()),
        ('pay_m4', 'mer_m', 100, 'USD', 'created', true,  '2026-12-01T11:04:00Z', now(), now()),
        ('pay_m5', 'mer_m', 100, 'USD', 'created', true,  '2026-12-01T11:05:00Z', now(), now());
      insert into payment_transitions (payment_id, from_status, to_status, reason, at) values
        ('pay_m1', null, 'created', 'created', '2026-12-01T11:01:00Z'),
        ('pay_m2', null, 'created', 'created', '2026-12-01T11:02:00Z');
      insert into payment_transitions (payment_id, from_status, to_status, reason, at) values
        ('pay_a1', null, 'created', 'created', '2026-12-01T10:01:00Z'),
        ('pay_a1', 'created', 'pending', 'started', '2026-12-01T10:01:10Z'),
        ('pay_a1', 'pending', 'succeeded', 'provider_callback', '2026-12-01T10:01:50Z');
    `);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const page = async (input: Partial<ListPaymentsInput>) => {
    const res = await list({
      merchantId: 'mer_a',
      limit: 3,
      startingAfter: '',
      endingBefore: '',
      status: null,
      method: null,
      orderId: '',
      createdGte: null,
      createdLt: null,
      livemode: null,
      ...input,
    });
    return { ids: res.views.map((v) => v.payment.id), hasMore: res.hasMore };
  };

  it('pages newest first with starting_after, ties broken by id, has_more on all but the last', async () => {
    expect(await page({})).toEqual({ ids: ['pay_a7', 'pay_a6', 'pay_a5'], hasMore: true });
    expect(await page({ startingAfter: 'pay_a5' })).toEqual({
      ids: ['pay_a4', 'pay_a3', 'pay_a2'],
      hasMore: true,
    });
    expect(await page({ startingAfter: 'pay_a2' })).toEqual({ ids: ['pay_a1'], hasMore: false });
  });

  it('pages back with ending_before, still newest first', async () => {
    expect(await page({ endingBefore: 'pay_a2' })).toEqual({
      ids: ['pay_a5', 'pay_a4', 'pay_a3'],
      hasMore: true,
    });
    expect(await page({ endingBefore: 'pay_a5' })).toEqual({
      ids: ['pay_a7', 'pay_a6'],
      hasMore: false,
    });
  });

  it('filters by status, method, order id and created range', async () => {
    expect((await page({ status: 'created', limit: 10 })).ids).toEqual([
      'pay_a6',
      'pay_a5',
      'pay_a3',
    ]);
    expect((await page({ method: 'webmoney_purse', limit: 10 })).ids).toEqual([
      'pay_a7',
      'pay_a4',
      'pay_a2',
      'pay_a1',
    ]);
    expect((await page({ orderId: 'o-4' })).ids).toEqual(['pay_a4']);
    expect(
      (
        await page({
          createdGte: new Date('2026-12-01T10:02:00Z'),
          createdLt: new Date('2026-12-01T10:05:00Z'),
          limit: 10,
        })
      ).ids,
    ).toEqual(['pay_a4', 'pay_a3', 'pay_a2']);
  });

  it("never shows another merchant's payments, nor pages from one of its ids", async () => {
    expect((await page({ merchantId: 'mer_b', limit: 10 })).ids).toEqual(['pay_b1']);
    expect((await page({ orderId: 'o-1', limit: 10 })).ids).toEqual(['pay_a1']);
    await expect(page({ startingAfter: 'pay_b1' })).rejects.toMatchObject({
      code: 'PAYMENT_INVALID_REQUEST',
      details: { field: 'starting_after' },
    });
    await expect(events({ paymentId: 'pay_a1', merchantId: 'mer_b' })).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
    });
  });

  it('refuses a limit out of range and both cursors at once', async () => {
    await expect(page({ limit: 0 })).rejects.toMatchObject({ details: { field: 'limit' } });
    await expect(page({ limit: 101 })).rejects.toMatchObject({ details: { field: 'limit' } });
    await expect(page({ startingAfter: 'pay_a1', endingBefore: 'pay_a2' })).rejects.toMatchObject({
      details: { field: 'ending_before' },
    });
  });

  it("lists only the key's mode, and refuses a cursor of the other mode", async () => {
    const m = { merchantId: 'mer_m', limit: 2 };
    expect(await page({ ...m, livemode: false })).toEqual({
      ids: ['pay_m3', 'pay_m1'],
      hasMore: false,
    });
    expect(await page({ ...m, livemode: true })).toEqual({
      ids: ['pay_m5', 'pay_m4'],
      hasMore: true,
    });
    expect(await page({ ...m, livemode: true, startingAfter: 'pay_m4' })).toEqual({
      ids: ['pay_m2'],
      hasMore: false,
    });
    expect(await page({ ...m, livemode: false, endingBefore: 'pay_m1' })).toEqual({
      ids: ['pay_m3'],
      hasMore: false,
    });
    // Unset (an operator): both modes.
    expect((await page({ ...m, limit: 10 })).ids).toEqual([
      'pay_m5',
      'pay_m4',
      'pay_m3',
      'pay_m2',
      'pay_m1',
    ]);
    await expect(page({ ...m, livemode: false, startingAfter: 'pay_m4' })).rejects.toMatchObject({
      code: 'PAYMENT_INVALID_REQUEST',
      details: { field: 'starting_after' },
    });
  });

  it("reads one mode's page straight off an index, without sorting the merchant's payments", async () => {
    const plan = await db.transaction(async (trx) => {
      // The table is tiny; make the planner show the plan it would take on a large one.
      await trx.raw('set local enable_seqscan = off');
      const res = await trx.raw<{ rows: { 'QUERY PLAN': string }[] }>(
        `explain select * from payments where merchant_id = 'mer_m' and livemode = false
         order by created_at desc, id desc limit 11`,
      );
      return res.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('payments_merchant_mode_idx');
    expect(plan).not.toMatch(/Sort/);
  });

  it("answers the timeline of the other mode's payment NOT_FOUND with Stripe's hint", async () => {
    await expect(
      events({ paymentId: 'pay_m2', merchantId: 'mer_m', livemode: false }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      kind: 'not_found',
      message:
        "No such payment: 'pay_m2'; a similar object exists in live mode, but a test mode key " +
        'was used to make this request.',
    });
    await expect(
      events({ paymentId: 'pay_m1', merchantId: 'mer_m', livemode: true }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      message: expect.stringContaining('exists in test mode, but a live mode key'),
    });
    const own = await events({ paymentId: 'pay_m2', merchantId: 'mer_m', livemode: true });
    expect(own.map((e) => e.to)).toEqual(['created']);
  });

  it("lists a payment's transitions in order as its timeline", async () => {
    const timeline = await events({ paymentId: 'pay_a1', merchantId: 'mer_a' });
    expect(timeline.map((e) => [e.from, e.to, e.reason])).toEqual([
      [null, 'created', 'created'],
      ['created', 'pending', 'started'],
      ['pending', 'succeeded', 'provider_callback'],
    ]);
    expect(timeline[0]?.sequence).toBeLessThan(timeline[2]?.sequence ?? 0n);
  });
});
