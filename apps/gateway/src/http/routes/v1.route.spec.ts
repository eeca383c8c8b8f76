import { PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import type { FastifyInstance } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';

import { readyGateway, recorded, type RecordedCall } from '../../../test/fakes/gateway-deps.fake';
import { paymentsDeps } from '../../../test/fakes/payments.fake';
import type { GatewayDeps } from '../server';

/** mer_1's payments, and the ledger's balances and statement for it, every ledger read recorded. */
const fakes = () =>
  paymentsDeps((calls) => ({
    ledger: recorded<GatewayDeps['ledger']>(calls, {
      // The ledger keeps test and live balances apart (unset mode = live): mer_1 has test money
      // in KGS and USD, live money in KGS only, and different amounts in each.
      getBalance: async (req) => {
        const livemode = req.livemode ?? true;
        const test = req.currency === 'KGS' ? 5000n : 10n;
        const live = req.currency === 'KGS' ? 700_000n : 0n;
        return {
          available: { amountMinor: livemode ? live : test, currency: req.currency },
          pending: undefined,
          livemode,
        };
      },
      listAccounts: async (req) => {
        const account = (purpose: string, currency: string) => ({
          id: `acc_${purpose}_${currency}`,
          ownerType: req.ownerType,
          ownerId: req.ownerId,
          purpose,
          currency,
          type: 0,
          normalSide: 0,
          shard: 0,
          livemode: req.livemode ?? true,
        });
        if (req.livemode ?? true) return { accounts: [account('available', 'KGS')] };
        return {
          accounts: [
            account('available', 'USD'),
            account('clearing', 'EUR'),
            account('available', 'KGS'),
          ],
        };
      },
      listStatement: async (req) => {
        return {
          openingBalance: { amountMinor: 100n, currency: req.currency },
          lines: [
            {
              transactionId: 'txn_1',
              kind: 'payment',
              paymentId: 'pay_1',
              amountMinor: 1950n,
              balanceAfterMinor: 2050n,
              currency: req.currency,
              createdAt: new Date('2026-12-01T10:00:00.000Z'),
            },
          ],
          nextPageToken: req.pageToken === '' ? 'tok_2' : '',
          livemode: req.livemode ?? true,
        };
      },
    }),
  }));

describe('/v1 lists: payments, events, balances, balance transactions', () => {
  let app: FastifyInstance;
  let calls: RecordedCall[];
  const auth = { authorization: 'Bearer sk_test_good' };

  beforeEach(async () => {
    ({ app, calls } = await readyGateway(fakes()));
    return () => app.close();
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });

  it("lists payments as a Stripe list, passing filters and the cursor for the key's merchant only", async () => {
    const res = await get(
      '/v1/payments?limit=2&starting_after=pay_0&status=succeeded&method=card&order_id=o-1' +
        '&created[gte]=2026-12-01T00:00:00Z&created[lt]=2026-12-02T00:00:00%2B06:00',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      object: 'list',
      url: '/v1/payments',
      has_more: true,
      data: [{ id: 'pay_1', object: 'payment' }],
    });
    expect(calls.at(-1)).toMatchObject({
      method: 'listPayments',
      request: {
        merchantId: 'mer_1',
        limit: 2,
        startingAfter: 'pay_0',
        endingBefore: '',
        status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
        method: PaymentMethod.PAYMENT_METHOD_CARD,
        orderId: 'o-1',
        createdGte: new Date('2026-12-01T00:00:00Z'),
        createdLt: new Date('2026-12-01T18:00:00Z'),
      },
    });
    expect((await get('/v1/payments')).statusCode).toBe(200);
    expect(calls.at(-1)).toMatchObject({ request: { limit: 10, merchantId: 'mer_1' } });
  });

  it('refuses bad list queries with 400 VALIDATION_FAILED naming the field, before checkout', async () => {
    const before = calls.length;
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['starting_after=pay_1&ending_before=pay_2', 'ending_before'],
      ['created[gte]=2026-13-45T00:00:00Z', 'created[gte]'],
    ] as const) {
      const res = await get(`/v1/payments?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error, query).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { field },
      });
    }
    for (const query of ['status=paid', 'limit=ten', 'created[gt]=2026-12-01T00:00:00Z', 'x=1']) {
      const res = await get(`/v1/payments?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect(calls.length).toBe(before);
  });

  it("lists a payment's events oldest first; another merchant's payment is 404", async () => {
    const res = await get('/v1/payments/pay_1/events');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: 'list',
      url: '/v1/payments/pay_1/events',
      has_more: false,
      data: [
        {
          object: 'payment_event',
          sequence: 7,
          type: 'payment.created',
          from_status: null,
          to_status: 'created',
          reason: 'created',
          created_at: '2026-12-01T10:00:00.000Z',
        },
      ],
    });
    expect(calls.at(-1)).toMatchObject({ request: { paymentId: 'pay_1', merchantId: 'mer_1' } });
  });

  it('answers the balance in every currency the merchant holds when none is asked', async () => {
    const res = await get('/v1/balance');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: 'list',
      url: '/v1/balance',
      has_more: false,
      livemode: false,
      data: [
        { object: 'balance', currency: 'KGS', available: 5000, pending: 0, livemode: false },
        { object: 'balance', currency: 'USD', available: 10, pending: 0, livemode: false },
      ],
    });
    expect(calls.filter((c) => c.method === 'listAccounts')[0]?.request).toMatchObject({
      ownerId: 'mer_1',
      livemode: false,
    });
    const one = await get('/v1/balance?currency=KGS');
    expect(one.json()).toEqual({
      object: 'balance',
      currency: 'KGS',
      available: 5000,
      pending: 0,
      livemode: false,
    });
  });

  it("answers a test key the merchant's test balance only and a live key the live one only", async () => {
    const live = { authorization: 'Bearer sk_live_good' };
    const asLive = (url: string) => app.inject({ method: 'GET', url, headers: live });

    const testOne = await get('/v1/balance?currency=KGS');
    expect(testOne.json()).toMatchObject({ available: 5000, livemode: false });
    expect(calls.at(-1)).toMatchObject({ method: 'getBalance', request: { livemode: false } });
    const liveOne = await asLive('/v1/balance?currency=KGS');
    expect(liveOne.json()).toMatchObject({ available: 700_000, livemode: true });
    expect(calls.at(-1)).toMatchObject({ method: 'getBalance', request: { livemode: true } });

    // Without a currency: only the currencies the key's mode holds money in.
    const liveAll = await asLive('/v1/balance');
    expect(liveAll.json()).toEqual({
      object: 'list',
      url: '/v1/balance',
      has_more: false,
      livemode: true,
      data: [
        { object: 'balance', currency: 'KGS', available: 700_000, pending: 0, livemode: true },
      ],
    });

    const liveStatement = await asLive('/v1/balance_transactions?currency=KGS');
    expect(liveStatement.json()).toMatchObject({ livemode: true });
    expect(calls.at(-1)).toMatchObject({ method: 'listStatement', request: { livemode: true } });
    const testStatement = await get('/v1/balance_transactions?currency=KGS');
    expect(testStatement.json()).toMatchObject({ livemode: false });
    expect(calls.at(-1)).toMatchObject({ method: 'listStatement', request: { livemode: false } });
  });

  it('pages balance transactions (the ledger statement) with next_cursor', async () => {
    const res = await get('/v1/balance_transactions?currency=USD&limit=5');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: 'list',
      url: '/v1/balance_transactions',
      currency: 'USD',
      opening_balance: 100,
      has_more: true,
      next_cursor: 'tok_2',
      livemode: false,
      data: [
        {
          object: 'balance_transaction',
          id: 'txn_1',
          type: 'payment',
          payment_id: 'pay_1',
          amount: 1950,
          balance_after: 2050,
          currency: 'USD',
          created_at: '2026-12-01T10:00:00.000Z',
        },
      ],
    });
    expect(calls.at(-1)).toMatchObject({
      method: 'listStatement',
      request: {
        merchantId: 'mer_1',
        currency: 'USD',
        pageSize: 5,
        pageToken: '',
        livemode: false,
      },
    });
    const last = await get('/v1/balance_transactions?currency=USD&cursor=tok_2');
    expect(last.json()).toMatchObject({ has_more: false, next_cursor: null });
    expect((await get('/v1/balance_transactions')).statusCode).toBe(400);
    expect((await get('/v1/balance_transactions?currency=XXQ')).statusCode).toBe(400);
  });
});
