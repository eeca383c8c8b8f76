import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';

import { readyGateway, type RecordedCall } from '../../test/fakes/gateway-deps.fake';
import { PAGE_SECRET, payment, paymentsDeps } from '../../test/fakes/payments.fake';
import { buildGateway } from './server';

// The operator case routes are specified in routes/cases.route.spec.ts, the /v1 lists in
// routes/v1.route.spec.ts, the rate limits in rate-limits.spec.ts.

/** mer_1's payments, served from the origin payment_url is asserted against. */
const fakes = () => paymentsDeps(() => ({ publicBaseUrl: 'https://pay.example' }));

describe('buildGateway (in process)', () => {
  let app: FastifyInstance;
  let calls: RecordedCall[];

  beforeEach(async () => {
    ({ app, calls } = await readyGateway(fakes()));
    return () => app.close();
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

  it('sends Strict-Transport-Security on every answer of an https gateway, and none over plain http', async () => {
    for (const url of ['/v1/payments/pay_1', '/healthz', '/nope']) {
      const res = await app.inject({ method: 'GET', url, headers: auth });
      expect(res.headers['strict-transport-security'], url).toBe(
        'max-age=31536000; includeSubDomains',
      );
    }
    const plain = await readyGateway(
      paymentsDeps(() => ({ publicBaseUrl: 'http://127.0.0.1:8080' })),
    );
    try {
      const res = await plain.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await plain.app.close();
    }
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

  it('refuses a NUL character or an unpaired surrogate in a body, a key, a query or a path with VALIDATION_FAILED naming the field', async () => {
    const refused = [
      {
        method: 'POST',
        url: '/v1/payments',
        payload: { amount: 1999, currency: 'USD', description: 'a\u0000b' },
        field: 'description',
      },
      {
        method: 'POST',
        url: '/v1/payments',
        payload: { amount: 1999, currency: 'USD', metadata: { 'k\u0000': 'v' } },
        field: 'metadata.k\u0000',
      },
      {
        method: 'POST',
        url: '/v1/payments',
        payload: { amount: 1999, currency: 'USD', description: 'a\uD800b' },
        field: 'description',
      },
      {
        method: 'POST',
        url: '/v1/payments',
        payload: { amount: 1999, currency: 'USD', metadata: { 'k\uDC00': 'v' } },
        field: 'metadata.k\uDC00',
      },
      { method: 'GET', url: '/v1/payments?order_id=a%00b', field: 'order_id' },
      { method: 'GET', url: '/v1/payments/pay_%00', field: 'id' },
    ] as const;
    for (const [i, { method, url, field, ...rest }] of refused.entries()) {
      const res = await app.inject({
        method,
        url,
        headers: method === 'POST' ? { ...json, 'idempotency-key': `refused-${i}` } : auth,
        ...('payload' in rest ? { payload: rest.payload } : {}),
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
    expect(
      calls.filter((c) => c.method === 'createPayment' || c.method === 'listPayments'),
    ).toEqual([]);
    // Refused before its key was claimed: the same key with a clean body is a first request.
    const clean = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...json, 'idempotency-key': 'refused-0' },
      payload: { amount: 1999, currency: 'USD', description: 'ab' },
    });
    expect(clean.statusCode).toBe(201);
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
      payment_url: `https://pay.example/pay/pay_1?secret=${PAGE_SECRET}`,
      amount: 1999,
    });
    expect(res.headers['location']).toBe('/v1/payments/pay_1');
  });

  it('takes an empty body sent as JSON as no body: an action runs, a create is refused as missing its body', async () => {
    const empty = { ...json, 'idempotency-key': 'empty-cancel' };
    const cancel = await app.inject({
      method: 'POST',
      url: '/v1/payments/pay_1/cancel',
      headers: empty,
      payload: '',
    });
    expect(cancel.statusCode).toBe(200);
    const create = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...json, 'idempotency-key': 'empty-create' },
      payload: '',
    });
    expect(create.statusCode).toBe(400);
    expect(create.json().error.code).toBe('VALIDATION_FAILED');
    // A body that is not JSON, or poisons a prototype, is still refused by Fastify's parser.
    for (const payload of ['{"amount":', '{"__proto__":{"admin":true}}']) {
      const bad = await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...json, 'idempotency-key': `bad-${payload.length}` },
        payload,
      });
      expect(bad.statusCode, payload).toBe(400);
      expect(bad.json().error.code, payload).toBe('MALFORMED_JSON');
    }
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
    const page = await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${PAGE_SECRET}` });
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
    const page = await app.inject({ method: 'GET', url: `/pay/pay_1?secret=${PAGE_SECRET}` });
    expect(calls.at(-1)).toMatchObject({
      method: 'getPayment',
      request: { paymentId: 'pay_1', merchantId: '', pageSecret: PAGE_SECRET },
    });
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(/^tolem_csrf=[^;]+; Path=\/pay; HttpOnly; Secure; SameSite=Lax$/);
    // A second page (another payment, another tab) keeps the browser's cookie, so both tabs' forms work.
    const cookie = setCookie.split(';')[0] ?? '';
    const second = await app.inject({
      method: 'GET',
      url: `/pay/pay_1?secret=${PAGE_SECRET}`,
      headers: { cookie },
    });
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(page.body).toContain(`action="/pay/pay_1/start?secret=${PAGE_SECRET}"`);
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
        url: `/pay/pay_1/input?secret=${PAGE_SECRET}`,
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
      url: `/pay/pay_1/start?secret=${PAGE_SECRET}`,
      payload: `method=webmoney_purse&_csrf=${token}`,
      headers,
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('PAYMENT_NOT_PAYABLE');
    const bad = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/start?secret=${PAGE_SECRET}`,
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
      url: `/pay/pay_1/input?secret=${PAGE_SECRET}`,
      payload: `key1=123456789012&_csrf=${token}`,
      headers: form,
    });
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('id="payer-input-form"');
    expect(calls.filter((c) => c.method === 'submitPayerInput')).toHaveLength(0);

    const ok = await app.inject({
      method: 'POST',
      url: `/pay/pay_1/input?secret=${PAGE_SECRET}`,
      payload: `key1=+0123456789+&_csrf=${token}`,
      headers: form,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Payment received');
    expect(calls.at(-1)).toMatchObject({
      method: 'submitPayerInput',
      request: { paymentId: 'pay_1', pageSecret: PAGE_SECRET, fields: { key1: '0123456789' } },
    });
  });

  it('answers the payment status as JSON for the waiting pages', async () => {
    const res = await app.inject({ method: 'GET', url: `/pay/pay_1/status?secret=${PAGE_SECRET}` });
    expect(calls.at(-1)).toMatchObject({ request: { pageSecret: PAGE_SECRET } });
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
