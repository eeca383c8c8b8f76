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
