import { Secret } from '@tolem/config';
import { Case, CaseStatus, Merchant, Payment, PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import { createLogger } from '@tolem/observability';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createMemoryIdempotencyStore } from '../../test/fakes/idempotency-store.fake';
import { buildGateway, DEFAULT_RATE_LIMITS, type GatewayDeps } from './server';

const SECRET = 'c2VjcmV0LW9mLXBheV8xLWZvci10aGUtdW5pdC1zcGVj';

const notScripted = async (): Promise<never> => {
  throw new Error('not scripted');
};

const payment = Payment.fromPartial({
  id: 'pay_1',
  pageSecret: SECRET,
  merchantId: 'mer_1',
  amount: { amountMinor: 1999n, currency: 'USD' },
  status: PaymentStatus.PAYMENT_STATUS_CREATED,
  availableMethods: [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE],
});

const openCase = Case.fromPartial({
  id: 'case_1',
  kind: 'amount_mismatch',
  status: CaseStatus.CASE_STATUS_OPEN,
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  provider: Provider.PROVIDER_WEBMONEY,
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  providerPaymentId: '908070',
  amount: { amountMinor: 1500n, currency: 'USD' },
  expected: { amountMinor: 1999n, currency: 'USD' },
  paymentStatus: 'pending',
  callbackId: 'cb_1',
  providerAttributes: { payer_purse: 'Z145179295679' },
  reason: 'the provider moved a different amount or currency than the payment asked',
  createdAt: new Date('2026-12-06T09:00:00.000Z'),
});

const caseNotFound = (id: string) =>
  new DomainError('CASE_NOT_FOUND', 'not_found', `case ${id} not found`);

function fakes() {
  const calls: { method: string; request: unknown; requestId?: string }[] = [];
  const record = (method: string) => (request: unknown, opts?: { requestId?: string }) => {
    calls.push({ method, request, requestId: opts?.requestId });
  };
  const deps: GatewayDeps = {
    idempotency: { store: createMemoryIdempotencyStore() },
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
      listPayments: async (req, opts) => {
        record('listPayments')(req, opts);
        return { payments: [payment], hasMore: true };
      },
      listPaymentEvents: async (req, opts) => {
        record('listPaymentEvents')(req, opts);
        if (req.merchantId !== payment.merchantId) {
          throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'payment not found');
        }
        return {
          events: [
            {
              sequence: 7n,
              type: 'payment.created',
              fromStatus: PaymentStatus.PAYMENT_STATUS_UNSPECIFIED,
              toStatus: PaymentStatus.PAYMENT_STATUS_CREATED,
              reason: 'created',
              occurredAt: new Date('2026-12-01T10:00:00.000Z'),
            },
          ],
        };
      },
      createFormPayment: notScripted,
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
        // The same merchant's live key: its balances are the live ones.
        if (req.apiKey === 'sk_live_good') {
          return { merchant: Merchant.fromPartial({ id: 'mer_1' }), livemode: true };
        }
        if (req.apiKey !== 'sk_test_good')
          throw new DomainError('AUTH_INVALID_API_KEY', 'unauthenticated', 'unknown API key');
        return { merchant: Merchant.fromPartial({ id: 'mer_1' }) };
      },
      createMerchant: async () => {
        throw new Error('not scripted');
      },
      getMerchant: async () => ({ merchant: Merchant.fromPartial({ id: 'mer_1', name: 'Shop' }) }),
      // Merchant admin routes are specified in routes/merchants.route.spec.ts.
      listMerchants: notScripted,
      updateMerchant: notScripted,
      createApiKey: notScripted,
      listApiKeys: notScripted,
      revokeApiKey: notScripted,
      rollApiKey: notScripted,
      rotateSecret: notScripted,
    },
    cases: {
      listCases: async (req, opts) => {
        record('listCases')(req, opts);
        if (req.pageToken === 'forged') {
          throw new DomainError(
            'CASE_INVALID_REQUEST',
            'invalid',
            'page_token is not one this API issued',
            {
              details: { field: 'page_token' },
            },
          );
        }
        return { cases: [openCase], nextPageToken: req.pageToken === '' ? 'tok_2' : '' };
      },
      getCase: async (req, opts) => {
        record('getCase')(req, opts);
        if (req.caseId !== 'case_1') throw caseNotFound(req.caseId);
        return {
          case: openCase,
          callback: {
            callbackId: 'cb_1',
            receivedAt: new Date('2026-12-06T08:59:00.000Z'),
            method: 'POST',
            path: '/callbacks/webmoney',
            query: '',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: Buffer.from('LMI_PAYMENT_NO=7&LMI_PAYMENT_AMOUNT=99.99'),
            verdict: 'accepted',
            reasonCode: '',
          },
          audit: [
            {
              at: new Date('2026-12-06T09:00:00.000Z'),
              action: 'opened',
              actor: 'system',
              detail: 'amount_mismatch',
            },
          ],
        };
      },
      applyCase: async (req, opts) => {
        record('applyCase')(req, opts);
        if (req.caseId === 'case_returned') {
          throw new DomainError(
            'CASE_ALREADY_RESOLVED',
            'precondition',
            'case case_returned was already returned',
            { details: { status: 'returned' } },
          );
        }
        if (req.caseId !== 'case_1') throw caseNotFound(req.caseId);
        return {
          case: {
            ...openCase,
            status: CaseStatus.CASE_STATUS_APPLIED,
            resolvedAt: new Date('2026-12-06T09:30:00.000Z'),
          },
        };
      },
      returnCase: async (req, opts) => {
        record('returnCase')(req, opts);
        if (req.caseId === 'case_applied') {
          throw new DomainError(
            'CASE_ALREADY_RESOLVED',
            'precondition',
            'case case_applied was already applied',
            { details: { status: 'applied' } },
          );
        }
        if (req.caseId !== 'case_1') throw caseNotFound(req.caseId);
        return {
          case: {
            ...openCase,
            status: CaseStatus.CASE_STATUS_RETURNED,
            returnReference: req.returnReference,
            resolvedAt: new Date('2026-12-06T09:30:00.000Z'),
          },
        };
      },
    },
    notifier: {
      upsertEndpoint: async () => {
        throw new Error('not scripted');
      },
    },
    ledger: {
      // The ledger keeps test and live balances apart (unset mode = live): mer_1 has test money
      // in KGS and USD, live money in KGS only, and different amounts in each.
      getBalance: async (req, opts) => {
        record('getBalance')(req, opts);
        const livemode = req.livemode ?? true;
        const test = req.currency === 'KGS' ? 5000n : 10n;
        const live = req.currency === 'KGS' ? 700_000n : 0n;
        return {
          available: { amountMinor: livemode ? live : test, currency: req.currency },
          pending: undefined,
          livemode,
        };
      },
      listAccounts: async (req, opts) => {
        record('listAccounts')(req, opts);
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
      listStatement: async (req, opts) => {
        record('listStatement')(req, opts);
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
      getFeePlan: async () => {
        throw new Error('not scripted');
      },
      getMerchantSettings: notScripted,
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

  it('stores a checkout failure (5xx) under the Idempotency-Key and replays it without asking checkout again', async () => {
    const f = fakes();
    let createCalls = 0;
    f.deps.checkout.createPayment = async () => {
      createCalls++;
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'checkout is down');
    };
    const gw = buildGateway(f.deps);
    try {
      const send = (key: string, body: unknown) =>
        gw.inject({
          method: 'POST',
          url: '/v1/payments',
          headers: { ...json, 'idempotency-key': key },
          payload: body as Record<string, unknown>,
        });
      const first = await send('k-5xx', { amount: 1999, currency: 'USD' });
      expect(first.statusCode).toBe(503);
      f.deps.checkout.createPayment = async () => {
        createCalls++;
        return { payment, replayed: false };
      };
      const replay = await send('k-5xx', { amount: 1999, currency: 'USD' });
      expect(replay.statusCode).toBe(503);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(first.json());
      const reused = await send('k-5xx', { amount: 2000, currency: 'USD' });
      expect(reused.statusCode).toBe(409);
      expect(reused.json().error).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: { field: 'amount' },
      });
      expect(createCalls).toBe(1);
      // A new key is a new request.
      expect((await send('k-new', { amount: 1999, currency: 'USD' })).statusCode).toBe(201);
      expect(createCalls).toBe(2);
    } finally {
      await gw.close();
    }
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
      payment_url: `https://pay.example/pay/pay_1?secret=${SECRET}`,
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
      { paymentId: 'pay_1', merchantId: 'mer_1', reason: '', livemode: false },
      { paymentId: 'pay_1', merchantId: 'mer_1', reason: 'out of stock', livemode: false },
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

  /** Opens the payment page like a browser: its CSRF cookie and the token its forms carry. */
  async function openPage(): Promise<{ headers: Record<string, string>; token: string }> {
    const page = await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${SECRET}` });
    expect(page.statusCode).toBe(200);
    const cookie = String(page.headers['set-cookie']).split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(cookie).toMatch(/^tolem_csrf=/);
    expect(token).not.toBe('');
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      token: encodeURIComponent(token),
    };
  }

  it('forwards the page secret and sets an HttpOnly, SameSite=Lax CSRF cookie for /pay', async () => {
    const page = await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${SECRET}` });
    expect(calls.at(-1)).toMatchObject({
      method: 'getPayment',
      request: { paymentId: 'pay_1', merchantId: '', pageSecret: SECRET },
    });
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(/^tolem_csrf=[^;]+; Path=\/pay; HttpOnly; Secure; SameSite=Lax$/);
    // A second page (another payment, another tab) keeps the browser's cookie, so both tabs' forms work.
    const cookie = setCookie.split(';')[0] ?? '';
    const second = await app.inject({
      method: 'GET',
      url: `/pay/pay_1?secret=${SECRET}`,
      headers: { cookie },
    });
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(page.body).toContain(`action="/pay/pay_1/start?secret=${SECRET}"`);
    // A repeated or overlong secret is no secret: checkout gets '' and answers 404.
    await app.inject({ method: 'GET', url: `/pay/pay_1?secret=a&secret=b` });
    expect(calls.at(-1)).toMatchObject({ request: { pageSecret: '' } });
    await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${'x'.repeat(129)}` });
    expect(calls.at(-1)).toMatchObject({ request: { pageSecret: '' } });
  });

  it("refuses a payer form without this browser's CSRF token with 403, asking checkout nothing", async () => {
    const { headers, token } = await openPage();
    const before = calls.length;
    const cases = [
      { headers, payload: 'key1=0123456789' },
      { headers, payload: 'key1=0123456789&_csrf=forged' },
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `key1=0123456789&_csrf=${token}`,
      },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: 'POST',
        url: `/pay/pay_1/input?secret=${SECRET}`,
        ...c,
      });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('CSRF_TOKEN_INVALID');
    }
    expect(calls.length).toBe(before);
  });

  it('renders page errors as HTML with the mapped status', async () => {
    const { headers, token } = await openPage();
    const res = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/start?secret=${SECRET}`,
      payload: `method=webmoney_purse&_csrf=${token}`,
      headers,
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('PAYMENT_NOT_PAYABLE');
    const bad = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/start?secret=${SECRET}`,
      payload: `method=bitcoin&_csrf=${token}`,
      headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('VALIDATION_FAILED');
  });

  it('takes the Wavepay transaction number as a form, checks its length first', async () => {
    const { headers: form, token } = await openPage();
    const long = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/input?secret=${SECRET}`,
      payload: `key1=123456789012&_csrf=${token}`,
      headers: form,
    });
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('id="payer-input-form"');
    expect(calls.filter((c) => c.method === 'submitPayerInput')).toHaveLength(0);

    const ok = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/input?secret=${SECRET}`,
      payload: `key1=+0123456789+&_csrf=${token}`,
      headers: form,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Payment received');
    expect(calls.at(-1)).toMatchObject({
      method: 'submitPayerInput',
      request: { paymentId: 'pay_1', pageSecret: SECRET, fields: { key1: '0123456789' } },
    });
  });

  it('answers the payment status as JSON for the waiting pages', async () => {
    const res = await app.inject({ method: 'GET', url: `/pay/pay_1/status?secret=${SECRET}` });
    expect(calls.at(-1)).toMatchObject({ request: { pageSecret: SECRET } });
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

describe('operator cases (/admin/v1/cases)', () => {
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

  const admin = { authorization: 'Bearer admin-token-0123456789' };
  const adminJson = { ...admin, 'content-type': 'application/json' };
  const caseCalls = () =>
    calls.filter((c) => c.method.endsWith('Case') || c.method === 'listCases');

  it('refuses every case route without the admin token, asking checkout nothing', async () => {
    const requests = [
      { method: 'GET' as const, url: '/admin/v1/cases' },
      { method: 'GET' as const, url: '/admin/v1/cases/case_1' },
      {
        method: 'POST' as const,
        url: '/admin/v1/cases/case_1/apply',
        payload: { operator: 'ann' },
      },
      {
        method: 'POST' as const,
        url: '/admin/v1/cases/case_1/return',
        payload: { operator: 'ann', return_reference: 'r1' },
      },
    ];
    for (const headers of [{}, { authorization: 'Bearer sk_test_good' }]) {
      for (const r of requests) {
        const res = await app.inject({ ...r, headers });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.json().error.code).toBe('UNAUTHENTICATED');
      }
    }
    expect(caseCalls()).toHaveLength(0);
  });

  it('lists cases with filters, a limit and an opaque cursor, Stripe-style', async () => {
    const first = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases?status=open&merchant_id=mer_1&limit=1',
      headers: { ...admin, 'x-request-id': 'ops-1' },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      object: 'list',
      data: [
        {
          id: 'case_1',
          object: 'case',
          kind: 'amount_mismatch',
          status: 'open',
          reason: 'the provider moved a different amount or currency than the payment asked',
          payment_id: 'pay_1',
          merchant_id: 'mer_1',
          payment_status: 'pending',
          provider: 'webmoney',
          method: 'webmoney_purse',
          provider_payment_id: '908070',
          amount: 1500,
          currency: 'USD',
          expected_amount: 1999,
          expected_currency: 'USD',
          callback_id: 'cb_1',
          provider_attributes: { payer_purse: 'Z145179295679' },
          return_reference: null,
          created_at: '2026-12-06T09:00:00.000Z',
          resolved_at: null,
        },
      ],
      has_more: true,
      next_cursor: 'tok_2',
    });
    expect(calls.at(-1)).toEqual({
      method: 'listCases',
      requestId: 'ops-1',
      request: {
        status: CaseStatus.CASE_STATUS_OPEN,
        merchantId: 'mer_1',
        paymentId: '',
        pageSize: 1,
        pageToken: '',
      },
    });
    const next = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases?cursor=tok_2',
      headers: admin,
    });
    expect(next.json()).toMatchObject({ has_more: false, next_cursor: null });
    expect(calls.at(-1)?.request).toMatchObject({
      status: CaseStatus.CASE_STATUS_UNSPECIFIED,
      pageSize: 50,
      pageToken: 'tok_2',
    });
  });

  it('refuses a bad status, limit, filter or cursor with 400 before or from checkout', async () => {
    for (const query of [
      'status=closed',
      'limit=0',
      'limit=201',
      'limit=1.5',
      'merchant_id=mer%201',
      'sort=asc',
    ]) {
      const res = await app.inject({
        method: 'GET',
        url: `/admin/v1/cases?${query}`,
        headers: admin,
      });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe('VALIDATION_FAILED');
    }
    expect(caseCalls()).toHaveLength(0);
    const forged = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases?cursor=forged',
      headers: admin,
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error).toMatchObject({
      code: 'CASE_INVALID_REQUEST',
      details: { field: 'page_token' },
    });
  });

  it('shows one case with its audit trail, and 404 for an unknown one', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/v1/cases/case_1', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'case_1',
      amount: 1500,
      expected_amount: 1999,
      callback_id: 'cb_1',
      audit: [
        {
          at: '2026-12-06T09:00:00.000Z',
          action: 'opened',
          actor: 'system',
          detail: 'amount_mismatch',
        },
      ],
      // The provider's own bytes, as provider-adapters stored them for audit.
      raw_callback: {
        id: 'cb_1',
        received_at: '2026-12-06T08:59:00.000Z',
        method: 'POST',
        path: '/callbacks/webmoney',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'LMI_PAYMENT_NO=7&LMI_PAYMENT_AMOUNT=99.99',
        body_encoding: 'utf8',
        verdict: 'accepted',
      },
    });
    const unknown = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases/case_nope',
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CASE_NOT_FOUND');
  });

  it('applies a case with the operator and note, an Idempotency-Key accepted but not required', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/apply',
      headers: { ...adminJson, 'idempotency-key': 'apply-case_1' },
      payload: { operator: ' ann@ops ', note: 'payer confirmed by phone' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'case_1',
      status: 'applied',
      resolved_at: '2026-12-06T09:30:00.000Z',
    });
    expect(calls.at(-1)?.request).toEqual({
      caseId: 'case_1',
      operator: 'ann@ops',
      note: 'payer confirmed by phone',
    });
    const bare = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/apply',
      headers: adminJson,
      payload: { operator: 'ann' },
    });
    expect(bare.statusCode).toBe(200);
    expect(calls.at(-1)?.request).toEqual({ caseId: 'case_1', operator: 'ann', note: '' });
  });

  it('returns a case with its reference', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/return',
      headers: adminJson,
      payload: { operator: 'ann', return_reference: 'wm-refund-77', note: 'payer asked' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'case_1',
      status: 'returned',
      return_reference: 'wm-refund-77',
    });
    expect(calls.at(-1)?.request).toEqual({
      caseId: 'case_1',
      operator: 'ann',
      note: 'payer asked',
      returnReference: 'wm-refund-77',
    });
  });

  it('answers 422 CASE_ALREADY_RESOLVED for the other resolution, 404 for an unknown case', async () => {
    const apply = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_returned/apply',
      headers: adminJson,
      payload: { operator: 'ann' },
    });
    expect(apply.statusCode).toBe(422);
    expect(apply.json().error).toMatchObject({
      code: 'CASE_ALREADY_RESOLVED',
      details: { status: 'returned' },
    });
    const giveBack = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_applied/return',
      headers: adminJson,
      payload: { operator: 'ann', return_reference: 'r1' },
    });
    expect(giveBack.statusCode).toBe(422);
    expect(giveBack.json().error.code).toBe('CASE_ALREADY_RESOLVED');
    const unknown = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_nope/apply',
      headers: adminJson,
      payload: { operator: 'ann' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CASE_NOT_FOUND');
  });

  it('publishes the case routes in the OpenAPI document under the admin tag', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    const ops = [
      doc.paths['/admin/v1/cases']?.['get'],
      doc.paths['/admin/v1/cases/{id}']?.['get'],
      doc.paths['/admin/v1/cases/{id}/apply']?.['post'],
      doc.paths['/admin/v1/cases/{id}/return']?.['post'],
    ];
    for (const op of ops) {
      expect(op?.tags).toEqual(['admin']);
      expect(op?.security).toEqual([{ adminToken: [] }]);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Case', 'CaseDetail', 'CaseList']),
    );
  });

  it('refuses invalid bodies and keys with 400, asking checkout nothing', async () => {
    const bad: { url: string; payload?: unknown; headers?: Record<string, string> }[] = [
      { url: '/admin/v1/cases/case_1/apply', payload: {} },
      { url: '/admin/v1/cases/case_1/apply', payload: { operator: '   ' } },
      { url: '/admin/v1/cases/case_1/apply', payload: { operator: 'ann', amount: 1 } },
      { url: '/admin/v1/cases/case_1/apply', payload: { operator: 'x'.repeat(201) } },
      { url: '/admin/v1/cases/case_1/return', payload: { operator: 'ann' } },
      { url: '/admin/v1/cases/case_1/return', payload: { operator: 'ann', return_reference: '' } },
      { url: '/admin/v1/cases/case%201/apply', payload: { operator: 'ann' } },
      {
        url: '/admin/v1/cases/case_1/apply',
        payload: { operator: 'ann' },
        headers: { 'idempotency-key': 'k'.repeat(256) },
      },
    ];
    for (const r of bad) {
      const res = await app.inject({
        method: 'POST',
        url: r.url,
        headers: { ...adminJson, ...r.headers },
        payload: r.payload as Record<string, unknown>,
      });
      expect(res.statusCode, JSON.stringify(r)).toBe(400);
      expect(['VALIDATION_FAILED', 'IDEMPOTENCY_KEY_INVALID']).toContain(res.json().error.code);
    }
    const noBody = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/apply',
      headers: admin,
    });
    expect(noBody.statusCode).toBe(400);
    expect(caseCalls()).toHaveLength(0);
  });
});

describe('per-IP rate limits', () => {
  it('answers 429 RATE_LIMITED past the limit, pages and callbacks counted apart', async () => {
    const f = fakes();
    const app = buildGateway({
      ...f.deps,
      rateLimits: {
        pages: { max: 2, windowMs: 60_000 },
        callbacks: { max: 3, windowMs: 60_000 },
      },
    });
    try {
      const status = () => app.inject({ method: 'GET', url: `/pay/pay_1/status?secret=${SECRET}` });
      expect((await status()).statusCode).toBe(200);
      expect(
        (await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${SECRET}` })).statusCode,
      ).toBe(200);
      const limited = await status();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect(limited.json()).toMatchObject({
        error: { code: 'RATE_LIMITED', request_id: expect.any(String) },
      });
      const page = await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${SECRET}` });
      expect(page.statusCode).toBe(429);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('RATE_LIMITED');

      // The callbacks' own budget is untouched by the pages.
      const callback = () =>
        app.inject({ method: 'POST', url: '/callbacks/webmoney', payload: 'a=1' });
      for (let i = 0; i < 3; i++) expect((await callback()).statusCode).toBe(200);
      const refused = await callback();
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      // Another client address has its own budget.
      const other = await app.inject({
        method: 'GET',
        url: `/pay/pay_1/status?secret=${SECRET}`,
        remoteAddress: '10.1.2.3',
      });
      expect(other.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('/v1 rate limits per API key and per IP', () => {
  it('answers 429 RATE_LIMITED with Retry-After past either limit, before asking checkout', async () => {
    const f = fakes();
    const app = buildGateway({
      ...f.deps,
      rateLimits: {
        ...DEFAULT_RATE_LIMITS,
        apiPerKey: { max: 2, windowMs: 60_000 },
        apiPerIp: { max: 3, windowMs: 60_000 },
      },
    });
    try {
      const get = (key: string, remoteAddress = '10.0.0.1') =>
        app.inject({
          method: 'GET',
          url: '/v1/payments/pay_1',
          headers: { authorization: `Bearer ${key}` },
          remoteAddress,
        });
      const ok = await get('sk_test_good');
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('2');
      expect(ok.headers['x-ratelimit-remaining']).toBe('1');
      expect((await get('sk_test_good')).statusCode).toBe(200);
      const limited = await get('sk_test_good', '10.0.0.2');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.json()).toEqual({
        error: {
          code: 'RATE_LIMITED',
          message: expect.stringContaining('retry after'),
          request_id: limited.headers['x-request-id'],
        },
      });
      const gets = f.calls.filter((c) => c.method === 'getPayment').length;
      expect(gets).toBe(2);

      // Another key from the same address has its own budget until the address's runs out.
      expect((await get('sk_test_other')).statusCode).toBe(401);
      const byIp = await get('sk_test_third');
      expect(byIp.statusCode).toBe(429);
      expect(byIp.headers['retry-after']).toBeDefined();
      // The hosted pages are not the API: their own limit applies.
      expect(
        (await app.inject({ method: 'GET', url: `/pay/pay_1/status?secret=${SECRET}` })).statusCode,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the error shape at the edges of /v1', () => {
  it('answers too-large bodies, unknown methods and bad content types in the one JSON shape', async () => {
    const app = buildGateway(fakes().deps);
    try {
      const headers = { authorization: 'Bearer sk_test_good', 'idempotency-key': 'edge-1' };
      const shape = (res: { json(): unknown; headers: Record<string, unknown> }, code: string) =>
        expect(res.json()).toEqual({
          error: { code, message: expect.any(String), request_id: res.headers['x-request-id'] },
        });
      const big = await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: `{"description":"${'x'.repeat(300 * 1024)}"}`,
      });
      expect(big.statusCode).toBe(413);
      shape(big, 'PAYLOAD_TOO_LARGE');
      const method = await app.inject({ method: 'DELETE', url: '/v1/payments', headers });
      expect(method.statusCode).toBe(404);
      shape(method, 'ROUTE_NOT_FOUND');
      const xml = await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...headers, 'content-type': 'application/xml' },
        payload: '<payment/>',
      });
      expect(xml.statusCode).toBe(415);
      shape(xml, 'UNSUPPORTED_MEDIA_TYPE');
      // The router's own refusal of an over-long path parameter (Fastify would answer 414 in
      // its own shape).
      const long = await app.inject({
        method: 'GET',
        url: `/v1/payments/${'p'.repeat(150)}`,
        headers,
      });
      expect(long.statusCode).toBe(400);
      shape(long, 'VALIDATION_FAILED');
    } finally {
      await app.close();
    }
  });
});

describe('/v1 lists: payments, events, balances, balance transactions', () => {
  let app: FastifyInstance;
  let calls: ReturnType<typeof fakes>['calls'];
  const auth = { authorization: 'Bearer sk_test_good' };

  beforeEach(async () => {
    const f = fakes();
    calls = f.calls;
    app = buildGateway(f.deps);
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
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
