import { Secret } from '@tolem/config';
import { Merchant, Payment, PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import { createLogger } from '@tolem/observability';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildGateway, type GatewayDeps } from './server';

const payment = Payment.fromPartial({
  id: 'pay_1',
  merchantId: 'mer_1',
  amount: { amountMinor: 1999n, currency: 'USD' },
  status: PaymentStatus.PAYMENT_STATUS_CREATED,
  availableMethods: [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE],
});

function fakes() {
  const calls: { method: string; request: unknown; requestId?: string }[] = [];
  const record = (method: string) => (request: unknown, opts?: { requestId?: string }) => {
    calls.push({ method, request, requestId: opts?.requestId });
  };
  const deps: GatewayDeps = {
    checkout: {
      createPayment: async (req, opts) => {
        record('createPayment')(req, opts);
        return { payment, replayed: false };
      },
      getPayment: async (req, opts) => {
        record('getPayment')(req, opts);
        return { payment };
      },
      startPayment: async () => {
        throw new DomainError(
          'PAYMENT_NOT_PAYABLE',
          'precondition',
          'this payment can no longer be paid',
        );
      },
      submitPayerInput: async (req, opts) => {
        record('submitPayerInput')(req, opts);
        return {
          payment: { ...payment, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED },
          message: '',
          action: undefined,
          outcome: 'succeeded',
        };
      },
      cancelPayment: async (req, opts) => {
        record('cancelPayment')(req, opts);
        if (req.paymentId === 'pay_paid') {
          throw new DomainError(
            'PAYMENT_NOT_CANCELABLE',
            'precondition',
            'a succeeded payment cannot be canceled',
          );
        }
        return { payment: { ...payment, status: PaymentStatus.PAYMENT_STATUS_CANCELED } };
      },
      handleProviderCallback: async (req, opts) => {
        record('handleProviderCallback')(req, opts);
        return {
          reply: { statusCode: 200, contentType: 'text/plain', body: Buffer.from('YES') },
          paymentId: 'pay_1',
          status: PaymentStatus.PAYMENT_STATUS_PENDING,
        };
      },
    },
    merchants: {
      authenticateApiKey: async (req) => {
        if (req.apiKey !== 'sk_test_good')
          throw new DomainError('AUTH_INVALID_API_KEY', 'unauthenticated', 'unknown API key');
        return { merchant: Merchant.fromPartial({ id: 'mer_1' }) };
      },
      createMerchant: async () => {
        throw new Error('not scripted');
      },
    },
    notifier: {
      upsertEndpoint: async () => {
        throw new Error('not scripted');
      },
    },
    ledger: {
      getBalance: async () => ({
        available: { amountMinor: 10n, currency: 'USD' },
        pending: undefined,
      }),
      setFeePlan: async () => {
        throw new Error('not scripted');
      },
      getFeePlan: async () => {
        throw new Error('not scripted');
      },
    },
    checkoutReady: async () => true,
    log: createLogger({ service: 'gateway-spec', level: 'silent' }),
    publicBaseUrl: 'https://pay.example',
    adminToken: new Secret('admin-token-0123456789'),
  };
  return { deps, calls };
}

describe('buildGateway (in process)', () => {
  let app: FastifyInstance;
  let calls: ReturnType<typeof fakes>['calls'];

  beforeEach(async () => {
    const f = fakes();
    calls = f.calls;
    app = buildGateway(f.deps);
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
  });

  const auth = { authorization: 'Bearer sk_test_good' };
  const json = { ...auth, 'content-type': 'application/json', 'idempotency-key': 'k1' };

  it('echoes a sane x-request-id, generates one otherwise, and passes it to gRPC', async () => {
    const echoed = await app.inject({
      method: 'GET',
      url: '/v1/payments/pay_1',
      headers: { ...auth, 'x-request-id': 'abc-1' },
    });
    expect(echoed.headers['x-request-id']).toBe('abc-1');
    expect(calls.at(-1)).toMatchObject({
      method: 'getPayment',
      requestId: 'abc-1',
      request: { paymentId: 'pay_1', merchantId: 'mer_1' },
    });
    const generated = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id!' },
    });
    expect(generated.headers['x-request-id']).toMatch(/^req_/);
  });

  it('answers unknown routes with ROUTE_NOT_FOUND in the error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: 'no route for GET /nope',
        request_id: res.headers['x-request-id'],
      },
    });
  });

  it('checks the API key first, then the Idempotency-Key, then the body', async () => {
    const noAuth = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    expect(noAuth.statusCode).toBe(401);
    expect(noAuth.headers['www-authenticate']).toBe('Bearer');
    expect(noAuth.json().error.code).toBe('UNAUTHENTICATED');
    const noKey = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{',
    });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const malformed = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: json,
      payload: '{"amount":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    expect(calls.filter((c) => c.method === 'createPayment')).toHaveLength(0);
  });

  it('refuses schema violations with VALIDATION_FAILED and no coercion', async () => {
    for (const body of [
      { amount: 1999, currency: 840 },
      { amount: 1999, currency: 'USD', unexpected: true },
      { amount: 1999 },
      { amount: 1999, currency: 'USD', metadata: { a: 1 } },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: json,
        payload: body,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const float = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: json,
      payload: '{"amount":19.99,"currency":"USD"}',
    });
    expect(float.statusCode).toBe(400);
    expect(float.json().error.code).toBe('MONEY_NOT_AN_INTEGER');
    expect(calls.filter((c) => c.method === 'createPayment')).toHaveLength(0);
  });

  it('creates a payment from a string amount', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: json,
      payload: { amount: '1999', currency: 'USD' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      id: 'pay_1',
      payment_url: 'https://pay.example/pay/pay_1',
      amount: 1999,
    });
    expect(res.headers['location']).toBe('/v1/payments/pay_1');
  });

  it('cancels a payment with or without a body, and maps a refusal to 422', async () => {
    const bare = await app.inject({
      method: 'POST',
      url: '/v1/payments/pay_1/cancel',
      headers: auth,
    });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toMatchObject({ id: 'pay_1', status: 'canceled' });
    const withReason = await app.inject({
      method: 'POST',
      url: '/v1/payments/pay_1/cancel',
      headers: json,
      payload: { reason: 'out of stock' },
    });
    expect(withReason.statusCode).toBe(200);
    expect(calls.filter((c) => c.method === 'cancelPayment').map((c) => c.request)).toEqual([
      { paymentId: 'pay_1', merchantId: 'mer_1', reason: '' },
      { paymentId: 'pay_1', merchantId: 'mer_1', reason: 'out of stock' },
    ]);
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/payments/pay_paid/cancel',
      headers: auth,
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('PAYMENT_NOT_CANCELABLE');
    const unknownField = await app.inject({
      method: 'POST',
      url: '/v1/payments/pay_1/cancel',
      headers: json,
      payload: { reason: 'x', refund: true },
    });
    expect(unknownField.statusCode).toBe(400);
  });

  it('renders page errors as HTML with the mapped status', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/pay/pay_1/start',
      payload: 'method=webmoney_purse',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('PAYMENT_NOT_PAYABLE');
    const bad = await app.inject({
      method: 'POST',
      url: '/pay/pay_1/start',
      payload: 'method=bitcoin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('VALIDATION_FAILED');
  });

  it('takes the Wavepay transaction number as a form, checks its length first', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const long = await app.inject({
      method: 'POST',
      url: '/pay/pay_1/input',
      payload: 'key1=123456789012',
      headers: form,
    });
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('id="payer-input-form"');
    expect(calls.filter((c) => c.method === 'submitPayerInput')).toHaveLength(0);

    const ok = await app.inject({
      method: 'POST',
      url: '/pay/pay_1/input',
      payload: 'key1=+0123456789+',
      headers: form,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Payment received');
    expect(calls.at(-1)).toMatchObject({
      method: 'submitPayerInput',
      request: { paymentId: 'pay_1', fields: { key1: '0123456789' } },
    });
  });

  it('answers the payment status as JSON for the waiting pages', async () => {
    const res = await app.inject({ method: 'GET', url: '/pay/pay_1/status' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ status: 'created' });
  });

  it('reads callback bodies as bytes whatever the content type, even a malformed one', async () => {
    const body = Buffer.from('{"not":"parsed"', 'utf8');
    for (const contentType of ['application/json', 'text/plain; charset=windows-1251', 'garbage']) {
      const res = await app.inject({
        method: 'POST',
        url: '/callbacks/paykassma',
        headers: { 'content-type': contentType },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('YES');
      const last = calls.at(-1) as {
        request: { request: { body: Buffer; headers: Record<string, string> } };
      };
      expect(last.request.request.body.equals(body)).toBe(true);
      expect(last.request.request.headers['content-type']).toBe(contentType);
    }
  });

  it('keeps JSON parsing for the API while callbacks take raw bytes', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...json, 'content-type': 'text/plain' },
      payload: 'amount=1',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
