import { Refund, RefundExecution, RefundStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authenticateByKeys,
  capturingLogger,
  gatewayDeps,
} from '../../../test/fakes/gateway-deps.fake';
import { createMemoryIdempotencyStore } from '../../../test/fakes/idempotency-store.fake';
import { buildGateway } from '../server';
import type { RefundsClient } from './refunds.route';

const created = new Date('2026-12-07T10:00:00.000Z');

const refund = Refund.fromPartial({
  id: 're_1',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  amount: { amountMinor: 4_000n, currency: 'USD' },
  status: RefundStatus.REFUND_STATUS_PENDING,
  execution: RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE,
  reason: 'returned',
  createdAt: created,
  updatedAt: created,
});

function setup() {
  const calls: { method: string; request: unknown }[] = [];
  const refunds: RefundsClient = {
    createRefund: async (req) => {
      calls.push({ method: 'createRefund', request: req });
      if (req.amount && req.amount.amountMinor > 10_000n) {
        throw new DomainError(
          'REFUND_EXCEEDS_PAYMENT',
          'precondition',
          'a refund of 10001 exceeds the 6000 left to refund',
          { details: { field: 'amount', refundable: '6000' } },
        );
      }
      if (req.idempotencyKey === 'down') {
        throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'checkout is down');
      }
      if (req.idempotencyKey === 'reused') {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'conflict',
          'used with a different amount',
          {
            details: { field: 'amount' },
          },
        );
      }
      return { refund, replayed: req.idempotencyKey === 'replay' };
    },
    getRefund: async (req) => {
      calls.push({ method: 'getRefund', request: req });
      if (req.refundId !== 're_1') {
        throw new DomainError('REFUND_NOT_FOUND', 'not_found', 'refund not found');
      }
      return { refund };
    },
    listRefunds: async (req) => {
      calls.push({ method: 'listRefunds', request: req });
      return { refunds: [refund], hasMore: true };
    },
    listRefundPayouts: async (req) => {
      calls.push({ method: 'listRefundPayouts', request: req });
      return {
        payouts: [
          {
            refund,
            method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
            provider: Provider.PROVIDER_WEBMONEY,
            payerAccountKind: 'keeper_mobile_phone',
            payerAccount: '79161234567',
          },
        ],
        // More wait after the first page; the page after re_1 is the last.
        hasMore: req.startingAfter === '',
      };
    },
    completeRefundPayout: async (req) => {
      calls.push({ method: 'completeRefundPayout', request: req });
      return { refund: { ...refund, status: RefundStatus.REFUND_STATUS_SUCCEEDED } };
    },
    failRefundPayout: async (req) => {
      calls.push({ method: 'failRefundPayout', request: req });
      return {
        refund: {
          ...refund,
          status: RefundStatus.REFUND_STATUS_FAILED,
          failureCode: 'payout_failed',
        },
      };
    },
  };
  const { log, lines } = capturingLogger();
  const store = createMemoryIdempotencyStore();
  const deps = gatewayDeps({
    merchants: { authenticateApiKey: authenticateByKeys({ sk_test_good: 'mer_1' }) },
    refunds,
    idempotency: { store: store },
    log,
  });
  return { app: buildGateway(deps), calls, lines, store };
}

const api = { authorization: 'Bearer sk_test_good' };
const admin = { authorization: 'Bearer admin-secret' };

describe('refund routes', () => {
  let s: ReturnType<typeof setup>;
  let app: FastifyInstance;
  beforeEach(() => {
    s = setup();
    app = s.app;
  });
  afterEach(async () => {
    await app.close();
  });

  it('creates a refund for the authenticated merchant: 201 with Stripe’s shape and a location', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { ...api, 'idempotency-key': 'k1' },
      payload: { payment: 'pay_1', amount: 4000, reason: 'returned' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['location']).toBe('/v1/refunds/re_1');
    expect(res.json()).toEqual({
      id: 're_1',
      object: 'refund',
      payment: 'pay_1',
      amount: 4000,
      currency: 'USD',
      status: 'pending',
      reason: 'returned',
      execution: 'payout_queue',
      failure_code: null,
      livemode: false,
      created_at: created.toISOString(),
      updated_at: created.toISOString(),
    });
    expect(s.calls).toEqual([
      {
        method: 'createRefund',
        request: {
          merchantId: 'mer_1',
          idempotencyKey: 'k1',
          paymentId: 'pay_1',
          amount: { amountMinor: 4_000n, currency: '' },
          reason: 'returned',
          livemode: false,
        },
      },
    ]);
  });

  it('refunds the rest when no amount is given, and answers a replay with 200', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { ...api, 'idempotency-key': 'replay' },
      payload: { payment: 'pay_1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(s.calls[0]?.request).toMatchObject({ amount: undefined, reason: '' });
  });

  it('replays a retried create from the idempotency store and refuses the key with another amount', async () => {
    const create = (amount: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/refunds',
        headers: { ...api, 'idempotency-key': 'k1' },
        payload: { payment: 'pay_1', amount },
      });
    const first = await create(4000);
    expect(first.statusCode).toBe(201);
    const again = await create(4000);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['location']).toBe('/v1/refunds/re_1');
    expect(again.json()).toEqual(first.json());
    const other = await create(3000);
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'amount' },
    });
    // Checkout was asked once: the retry and the conflict were answered by the gateway's store.
    expect(s.calls.filter((c) => c.method === 'createRefund')).toHaveLength(1);
  });

  it('replays a stored 5xx to a retry with the same key instead of refunding again', async () => {
    const create = () =>
      app.inject({
        method: 'POST',
        url: '/v1/refunds',
        headers: { ...api, 'idempotency-key': 'down' },
        payload: { payment: 'pay_1', amount: 4000 },
      });
    const first = await create();
    expect(first.statusCode).toBe(503);
    const again = await create();
    expect(again.statusCode).toBe(503);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().error.code).toBe(first.json().error.code);
    expect(s.calls).toHaveLength(1);
  });

  it('takes the key as Idempotence-Key too (merchants coming from YooKassa)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { ...api, 'idempotence-key': 'yk-1' },
      payload: { payment: 'pay_1' },
    });
    expect(res.statusCode).toBe(201);
    expect(s.calls[0]?.request).toMatchObject({ idempotencyKey: 'yk-1' });
    expect([...s.store.rows.keys()]).toEqual([JSON.stringify(['merchant:mer_1', 'yk-1'])]);
  });

  it.each([
    ['no Idempotency-Key', {}, { payment: 'pay_1' }, 400, 'IDEMPOTENCY_KEY_REQUIRED'],
    ['no payment', { 'idempotency-key': 'k' }, {}, 400, 'VALIDATION_FAILED'],
    [
      'an unknown field',
      { 'idempotency-key': 'k' },
      { payment: 'pay_1', x: 1 },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a float amount',
      { 'idempotency-key': 'k' },
      { payment: 'pay_1', amount: 1.5 },
      400,
      'MONEY_NOT_AN_INTEGER',
    ],
    [
      'a zero amount',
      { 'idempotency-key': 'k' },
      { payment: 'pay_1', amount: 0 },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an over-refund',
      { 'idempotency-key': 'k' },
      { payment: 'pay_1', amount: 10_001 },
      422,
      'REFUND_EXCEEDS_PAYMENT',
    ],
    [
      'a reused key',
      { 'idempotency-key': 'reused' },
      { payment: 'pay_1', amount: 1 },
      409,
      'IDEMPOTENCY_KEY_REUSED',
    ],
  ])('refuses %s with a stable code', async (_name, headers, payload, status, code) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { ...api, ...headers },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('answers the over-refund with what is left, in details', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { ...api, 'idempotency-key': 'k' },
      payload: { payment: 'pay_1', amount: 10_001 },
    });
    expect(res.json().error.details).toEqual({ field: 'amount', refundable: '6000' });
  });

  it('needs an API key before anything else', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { 'idempotency-key': 'k' },
      payload: { payment: 'pay_1' },
    });
    expect(res.statusCode).toBe(401);
    expect(s.calls).toEqual([]);
  });

  it('gets a refund of the merchant, 404 otherwise', async () => {
    const ok = await app.inject({ method: 'GET', url: '/v1/refunds/re_1', headers: api });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: 're_1', object: 'refund' });
    expect(s.calls[0]?.request).toEqual({
      merchantId: 'mer_1',
      refundId: 're_1',
      livemode: false,
    });
    const missing = await app.inject({ method: 'GET', url: '/v1/refunds/re_2', headers: api });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('REFUND_NOT_FOUND');
  });

  it('lists with payment, limit and starting_after, and checks the limit', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/refunds?payment=pay_1&limit=2&starting_after=re_9',
      headers: api,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ object: 'list', has_more: true, url: '/v1/refunds' });
    expect(res.json().data).toHaveLength(1);
    expect(s.calls[0]?.request).toEqual({
      merchantId: 'mer_1',
      paymentId: 'pay_1',
      limit: 2,
      startingAfter: 're_9',
      livemode: false,
    });
    const bad = await app.inject({ method: 'GET', url: '/v1/refunds?limit=101', headers: api });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'limit' },
    });
  });

  it('serves the payout queue to operators only, and never logs the payer’s phone', async () => {
    const refused = await app.inject({
      method: 'GET',
      url: '/admin/v1/refund_payouts',
      headers: api,
    });
    expect(refused.statusCode).toBe(401);
    const res = await app.inject({
      method: 'GET',
      url: '/admin/v1/refund_payouts',
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      object: 'list',
      url: '/admin/v1/refund_payouts',
      has_more: true,
    });
    expect(res.json().data).toEqual([
      {
        refund: expect.objectContaining({ id: 're_1' }),
        method: 'webmoney_keeper_mobile',
        provider: 'webmoney',
        payer_account_kind: 'keeper_mobile_phone',
        payer_account: '79161234567',
      },
    ]);
    expect(s.lines.join('\n')).not.toContain('79161234567');
  });

  it('pages the payout queue after a refund, and refuses a malformed cursor', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/admin/v1/refund_payouts?limit=1&starting_after=re_1',
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ has_more: false });
    expect(s.calls.at(-1)).toEqual({
      method: 'listRefundPayouts',
      request: { limit: 1, startingAfter: 're_1' },
    });
    const bad = await app.inject({
      method: 'GET',
      url: '/admin/v1/refund_payouts?starting_after=re%201',
      headers: admin,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('completes and fails queued refunds with the operator and reference', async () => {
    const done = await app.inject({
      method: 'POST',
      url: '/admin/v1/refund_payouts/re_1/complete',
      headers: admin,
      payload: { reference: ' WM-77 ', operator: 'aida' },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().status).toBe('succeeded');
    const failed = await app.inject({
      method: 'POST',
      url: '/admin/v1/refund_payouts/re_1/fail',
      headers: admin,
      payload: { reason: 'purse closed', operator: 'aida' },
    });
    expect(failed.json()).toMatchObject({ status: 'failed', failure_code: 'payout_failed' });
    expect(s.calls.map((c) => c.request)).toEqual([
      { refundId: 're_1', reference: 'WM-77', operator: 'aida' },
      { refundId: 're_1', reason: 'purse closed', operator: 'aida' },
    ]);
    const noReference = await app.inject({
      method: 'POST',
      url: '/admin/v1/refund_payouts/re_1/complete',
      headers: admin,
      payload: { operator: 'aida' },
    });
    expect(noReference.statusCode).toBe(400);
  });
});
