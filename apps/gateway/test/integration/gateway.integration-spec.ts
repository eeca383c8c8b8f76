import { request as httpRequest } from 'node:http';

import {
  Case,
  CaseStatus,
  type CreateMerchantRequest,
  Merchant,
  Payment,
  PaymentStatus,
  Refund,
  RefundExecution,
  RefundStatus,
} from '@tolem/contracts/checkout';
import {
  type HttpRequest,
  type Instructions,
  PaymentMethod,
  Provider,
} from '@tolem/contracts/common';
import type { FeePlan } from '@tolem/contracts/ledger';
import { EndpointStatus, WebhookEndpoint } from '@tolem/contracts/notifier';
import { OperationState, ScheduledOperation } from '@tolem/contracts/recurring';
import { createKnex } from '@tolem/db-kit';
import { DomainError, type ErrorKind } from '@tolem/errors';
import {
  freePort,
  freshDatabase,
  httpAnswers,
  type ServiceProcess,
  spawnService,
  waitFor,
} from '@tolem/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { GOOD_API_KEY, MERCHANT, type Peers, startPeers } from './peers';

const ADMIN_TOKEN = 'admin-token-for-gateway-it-0123456789';
const PUBLIC_BASE_URL = 'https://pay.tolem.test';
const DEADLINE_MS = 1_500;
/** The page secret checkout gave pay_it_1 (43 base64url characters, as checkout makes them). */
const SECRET = 'aXQtc2VjcmV0LW9mLXBheV9pdF8xLTAxMjM0NTY3ODk';
const Q = `?secret=${SECRET}`;

/** The gateway's own database (idempotency keys), one for every gateway this file starts. */
let database: Promise<Awaited<ReturnType<typeof freshDatabase>>> | undefined;
afterAll(async () => {
  await (await database)?.drop();
});

async function startGateway(
  checkoutAddr: string,
  otherAddr: string,
  extraEnv: Record<string, string> = {},
): Promise<{ process: ServiceProcess; base: string }> {
  database ??= freshDatabase('gateway_it');
  const { url: databaseUrl } = await database;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const process = await spawnService({
    name: 'gateway',
    entry: 'apps/gateway/src/main.ts',
    env: {
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      PUBLIC_BASE_URL,
      LOG_LEVEL: 'info',
      CHECKOUT_ADDR: checkoutAddr,
      NOTIFIER_ADDR: otherAddr,
      LEDGER_ADDR: otherAddr,
      RECURRING_ADDR: otherAddr,
      ADMIN_TOKEN,
      GRPC_DEADLINE_MS: String(DEADLINE_MS),
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'true',
      ...extraEnv,
    },
    ready: () => httpAnswers(`${base}/healthz`),
  });
  return { process, base };
}

function aPayment(overrides: Partial<Payment> = {}): Payment {
  return Payment.fromPartial({
    id: 'pay_it_1',
    pageSecret: SECRET,
    merchantId: MERCHANT.id,
    amount: { amountMinor: 1999n, currency: 'USD' },
    status: PaymentStatus.PAYMENT_STATUS_CREATED,
    orderId: 'order-42',
    description: 'Two books',
    availableMethods: [
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      PaymentMethod.PAYMENT_METHOD_CARD,
      PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      PaymentMethod.PAYMENT_METHOD_QR,
    ],
    createdAt: new Date('2026-03-01T10:00:00.000Z'),
    ...overrides,
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** node:http, so the test controls every byte and can repeat a header (fetch would merge them). */
function rawPost(
  url: string,
  headers: Record<string, string | string[]>,
  body: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.setHeader('content-length', String(body.length));
    req.end(body);
  });
}

describe('gateway (real process) against scripted peer gRPC servers', () => {
  let peers: Peers;
  let gateway: ServiceProcess;
  let base: string;
  const auth = { authorization: `Bearer ${GOOD_API_KEY}` };
  const jsonPost = (idempotencyKey?: string) => ({
    ...auth,
    'content-type': 'application/json',
    ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
  });

  beforeAll(async () => {
    peers = await startPeers();
    ({ process: gateway, base } = await startGateway(peers.address, peers.address));
  });

  afterAll(async () => {
    await gateway?.stop();
    await peers?.stop();
  });

  beforeEach(() => peers.reset());

  /**
   * Opens pay_it_1's page like a browser: the CSRF cookie it sets and the token its forms carry.
   * Leaves the script and the recorded calls as they were.
   */
  async function openPage(): Promise<{ cookie: string; token: string }> {
    const scripted = peers.script.checkout.getPayment;
    const before = peers.calls.length;
    peers.script.checkout.getPayment = async () => ({ payment: aPayment() });
    try {
      const res = await fetch(`${base}/pay/pay_it_1${Q}`);
      expect(res.status).toBe(200);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
      expect(cookie).toMatch(/^tolem_csrf=./);
      return { cookie, token };
    } finally {
      peers.script.checkout.getPayment = scripted;
      peers.calls.splice(before);
    }
  }

  /** A form POST as the page's browser sends it: its cookie, its token and the fields. */
  function formPost(page: { cookie: string; token: string }, fields: Record<string, string>) {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
      body: new URLSearchParams({ ...fields, _csrf: page.token }).toString(),
      redirect: 'manual' as const,
    };
  }

  describe('basics', () => {
    it('answers healthz, readyz (checkout serving), the landing page and the OpenAPI document', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
      const landing = await fetch(`${base}/`);
      expect(landing.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await landing.text()).toContain('href="/openapi.json"');
      const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
        components: { schemas: Record<string, unknown> };
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/payments',
          '/v1/payments/{id}',
          '/v1/balance',
          '/v1/balance_transactions',
          '/v1/payments/{id}/events',
        ]),
      );
      const paymentSchema = doc.components.schemas['Payment'] as {
        properties: { status: { enum: string[] } };
      };
      expect(paymentSchema.properties.status.enum).toContain('requires_review');
      expect(doc.components.schemas).toHaveProperty('Error');
      const create = (doc.paths['/v1/payments'] as { post: { parameters: { name: string }[] } })
        .post;
      expect(create.parameters.map((p) => p.name)).toContain('idempotency-key');
    });

    it('echoes a sane x-request-id, passes it to gRPC, and generates one otherwise', async () => {
      peers.script.checkout.getPayment = async () => ({ payment: aPayment() });
      const res = await fetch(`${base}/v1/payments/pay_it_1`, {
        headers: { ...auth, 'x-request-id': 'it-req-1' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('it-req-1');
      expect(peers.callsOf('getPayment')[0]?.requestId).toBe('it-req-1');
      expect(peers.callsOf('authenticateApiKey')[0]?.requestId).toBe('it-req-1');

      const odd = await fetch(`${base}/healthz`, {
        headers: { 'x-request-id': 'no spaces <please>' },
      });
      expect(odd.headers.get('x-request-id')).toMatch(/^req_[0-9a-z]{26}$/);
    });

    it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
      const res = await fetch(`${base}/v2/nothing`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: {
          code: 'ROUTE_NOT_FOUND',
          message: 'no route for GET /v2/nothing',
          request_id: res.headers.get('x-request-id'),
        },
      });
    });
  });

  describe('error table: every kind a peer can answer, mapped to its status and the error body', () => {
    const cases: {
      kind: ErrorKind;
      code: string;
      status: number;
      details?: Record<string, string>;
    }[] = [
      { kind: 'invalid', code: 'PAYMENT_INVALID_REQUEST', status: 400 },
      { kind: 'unauthenticated', code: 'AUTH_API_KEY_REVOKED', status: 401 },
      // gRPC shares FAILED_PRECONDITION between precondition and declined; the kind trailer tells them apart.
      { kind: 'declined', code: 'PAYMENT_DECLINED', status: 402, details: { kind: 'declined' } },
      { kind: 'forbidden', code: 'FORBIDDEN', status: 403 },
      { kind: 'not_found', code: 'PAYMENT_NOT_FOUND', status: 404 },
      { kind: 'conflict', code: 'IDEMPOTENCY_KEY_REUSED', status: 409 },
      { kind: 'aborted', code: 'PAYMENT_CONCURRENT_UPDATE', status: 409 },
      { kind: 'precondition', code: 'PAYMENT_NOT_PAYABLE', status: 422 },
      { kind: 'rate_limited', code: 'RATE_LIMITED', status: 429 },
      { kind: 'unavailable', code: 'UPSTREAM_UNAVAILABLE', status: 503 },
      { kind: 'timeout', code: 'UPSTREAM_TIMEOUT', status: 504 },
    ];

    it.each(cases)('$kind -> $status with code $code', async ({ kind, code, status, details }) => {
      const message = `scripted ${kind} failure`;
      peers.script.checkout.getPayment = async () => {
        throw new DomainError(code, kind, message, { details });
      };
      const res = await fetch(`${base}/v1/payments/pay_it_1`, {
        headers: { ...auth, 'x-request-id': `it-${kind}` },
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error: { code, message, request_id: `it-${kind}` } });
    });

    it('passes safe details through (the conflicting field)', async () => {
      peers.script.checkout.getPayment = async () => {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'conflict',
          'amount differs from the first request',
          {
            details: { field: 'amount' },
          },
        );
      };
      const res = await fetch(`${base}/v1/payments/pay_it_1`, { headers: auth });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({
        field: 'amount',
      });
    });

    it('500: a peer crash is scrubbed, never a stack or the original message', async () => {
      peers.script.checkout.getPayment = async () => {
        throw new Error('connect postgres://checkout:hunter2@db:5432 failed');
      };
      const res = await fetch(`${base}/v1/payments/pay_it_1`, {
        headers: { ...auth, 'x-request-id': 'it-500' },
      });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: 'INTERNAL', message: 'internal error', request_id: 'it-500' },
      });
      expect(text).not.toMatch(/hunter2|postgres|at .*\.ts/);
    });

    it("500: a malformed peer answer (no payment) is the gateway's internal error, scrubbed", async () => {
      peers.script.checkout.getPayment = async () => ({ payment: undefined });
      const res = await fetch(`${base}/v1/payments/pay_it_1`, { headers: auth });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'internal error',
      );
    });

    it('504: a peer slower than GRPC_DEADLINE_MS', async () => {
      peers.script.checkout.getPayment = async (_req, ctx) => {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, DEADLINE_MS * 3);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
        return { payment: aPayment() };
      };
      const started = Date.now();
      const res = await fetch(`${base}/v1/payments/pay_it_1`, { headers: auth });
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'UPSTREAM_TIMEOUT',
      );
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS * 3);
    });
  });

  describe('authentication', () => {
    it('refuses a missing API key with 401 without asking checkout', async () => {
      const res = await fetch(`${base}/v1/payments/pay_it_1`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await res.json()) as { error: { code: string; request_id: string } };
      expect(body.error.code).toBe('UNAUTHENTICATED');
      expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
      expect(peers.calls).toHaveLength(0);
    });

    it("refuses an invalid API key with 401 and checkout's code", async () => {
      const res = await fetch(`${base}/v1/balance?currency=USD`, {
        headers: { authorization: 'Bearer sk_test_wrong' },
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'AUTH_INVALID_API_KEY',
      );
      expect(peers.callsOf('getBalance')).toHaveLength(0);
    });

    it('caches a resolved key (one AuthenticateApiKey for several requests)', async () => {
      const key = 'sk_test_cache_probe';
      let resolved = 0;
      peers.script.merchants.authenticateApiKey = async (req) => {
        if (req.apiKey !== key)
          throw new DomainError('AUTH_INVALID_API_KEY', 'unauthenticated', 'unknown');
        resolved += 1;
        return { merchant: MERCHANT };
      };
      peers.script.ledger.getBalance = async () => ({
        available: { amountMinor: 1n, currency: 'USD' },
        pending: undefined,
        livemode: false,
      });
      for (let i = 0; i < 3; i += 1) {
        const res = await fetch(`${base}/v1/balance?currency=USD`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(res.status).toBe(200);
      }
      expect(resolved).toBe(1);
      expect(peers.callsOf('getBalance')).toHaveLength(3);
    });
  });

  describe('POST /v1/payments', () => {
    const body = {
      amount: 1999,
      currency: 'USD',
      order_id: 'order-42',
      description: 'Two books',
      success_url: 'https://shop.example/ok',
      fail_url: 'https://shop.example/fail',
      metadata: { cart: 'c-7' },
    };

    it('requires an Idempotency-Key', async () => {
      const res = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost(),
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'IDEMPOTENCY_KEY_REQUIRED',
      );
      expect(peers.callsOf('createPayment')).toHaveLength(0);
    });

    it('refuses a float amount with 400 and never calls checkout', async () => {
      const res = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost('it-float'),
        body: '{"amount": 19.99, "currency": "USD"}',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'MONEY_NOT_AN_INTEGER',
      );
      expect(peers.callsOf('createPayment')).toHaveLength(0);
    });

    it('refuses malformed JSON and schema violations with 400', async () => {
      const malformed = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost('k'),
        body: '{"amount":',
      });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
        'MALFORMED_JSON',
      );
      const invalid = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost('k'),
        body: JSON.stringify({ amount: 1, currency: 'usd' }),
      });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe(
        'VALIDATION_FAILED',
      );
    });

    it('creates (201) and replays the stored 201 (Idempotent-Replayed) without asking checkout again', async () => {
      peers.script.checkout.createPayment = async (req) => ({
        payment: aPayment({ metadata: req.metadata, successUrl: req.successUrl }),
        replayed: false,
      });
      const first = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost('it-key-1'),
        body: JSON.stringify(body),
      });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const created = (await first.json()) as Record<string, unknown>;
      expect(created).toMatchObject({
        id: 'pay_it_1',
        object: 'payment',
        status: 'created',
        amount: 1999,
        currency: 'USD',
        order_id: 'order-42',
        description: 'Two books',
        payment_url: `${PUBLIC_BASE_URL}/pay/pay_it_1${Q}`,
        method: null,
        provider: null,
        fee: null,
        metadata: { cart: 'c-7' },
        created_at: '2026-03-01T10:00:00.000Z',
      });

      const again = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost('it-key-1'),
        body: JSON.stringify(body),
      });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('location')).toBe('/v1/payments/pay_it_1');
      expect(await again.json()).toEqual(created);
      expect(peers.callsOf('createPayment')).toHaveLength(1);

      const sent = peers.callsOf('createPayment')[0]?.request;
      expect(sent).toEqual({
        merchantId: MERCHANT.id,
        idempotencyKey: 'it-key-1',
        amount: { amountMinor: 1999n, currency: 'USD' },
        orderId: 'order-42',
        description: 'Two books',
        successUrl: 'https://shop.example/ok',
        failUrl: 'https://shop.example/fail',
        metadata: { cart: 'c-7' },
        // A test key: the payment pays through the sandbox only.
        livemode: false,
      });
    });

    it('stores a failed first answer (5xx) and replays it, even once checkout works again', async () => {
      peers.script.checkout.createPayment = async () => {
        throw new DomainError('CHECKOUT_DB_DOWN', 'unavailable', 'database unavailable');
      };
      const send = (key: string, payload: unknown) =>
        fetch(`${base}/v1/payments`, {
          method: 'POST',
          headers: jsonPost(key),
          body: JSON.stringify(payload),
        });
      const first = await send('it-5xx', body);
      expect(first.status).toBe(503);
      const failure = await first.json();
      peers.script.checkout.createPayment = async () => ({ payment: aPayment(), replayed: false });
      const again = await send('it-5xx', body);
      expect(again.status).toBe(503);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual(failure);
      expect(peers.callsOf('createPayment')).toHaveLength(1);

      const changed = await send('it-5xx', { ...body, description: 'Three books' });
      expect(changed.status).toBe(409);
      expect(await changed.json()).toMatchObject({
        error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'description' } },
      });
      expect(peers.callsOf('createPayment')).toHaveLength(1);
    });

    it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first request with the key is in flight', async () => {
      let answer!: () => void;
      peers.script.checkout.createPayment = () =>
        new Promise((resolve) => {
          answer = () => resolve({ payment: aPayment(), replayed: false });
        });
      const send = () =>
        fetch(`${base}/v1/payments`, {
          method: 'POST',
          headers: { ...jsonPost(), 'idempotence-key': 'it-in-flight' },
          body: JSON.stringify(body),
        });
      const first = send();
      await waitFor(async () => peers.callsOf('createPayment').length === 1, {
        timeoutMs: 5_000,
      });
      const concurrent = await send();
      expect(concurrent.status).toBe(409);
      expect(await concurrent.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_IN_USE' } });
      answer();
      expect((await first).status).toBe(201);
      const after = await send();
      expect(after.status).toBe(201);
      expect(after.headers.get('idempotent-replayed')).toBe('true');
      expect(peers.callsOf('createPayment')).toHaveLength(1);
    });

    it('carries amounts beyond 2^53 exactly as strings', async () => {
      peers.script.checkout.createPayment = async (req) => ({
        payment: aPayment({ amount: req.amount, id: 'pay_big' }),
        replayed: false,
      });
      const res = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: jsonPost('it-big'),
        body: '{"amount": "90071992547409930", "currency": "VND"}',
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { amount: unknown }).amount).toBe('90071992547409930');
      expect((peers.callsOf('createPayment')[0]?.request as { amount: unknown }).amount).toEqual({
        amountMinor: 90071992547409930n,
        currency: 'VND',
      });
    });
  });

  describe('GET /v1/payments/:id and /v1/balance', () => {
    it('scopes the payment to the authenticated merchant', async () => {
      peers.script.checkout.getPayment = async () => ({
        payment: aPayment({
          status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
          method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
          provider: Provider.PROVIDER_WEBMONEY,
          providerPaymentId: '1234567',
          providerAttributes: { payer_phone: '79001234567', keeper_mobile_payment_no: '555' },
          fee: { amountMinor: 58n, currency: 'USD' },
        }),
      });
      const res = await fetch(`${base}/v1/payments/pay_it_1`, { headers: auth });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'succeeded',
        method: 'webmoney_keeper_mobile',
        provider: 'webmoney',
        provider_payment_id: '1234567',
        provider_attributes: { payer_phone: '79001234567', keeper_mobile_payment_no: '555' },
        fee: 58,
      });
      expect(peers.callsOf('getPayment')[0]?.request).toEqual({
        paymentId: 'pay_it_1',
        merchantId: MERCHANT.id,
        pageSecret: '',
        livemode: false,
      });
    });

    it('reads the balance from the ledger', async () => {
      peers.script.ledger.getBalance = async (req) => ({
        available: { amountMinor: 1941n, currency: req.currency },
        pending: { amountMinor: 0n, currency: req.currency },
        livemode: req.livemode ?? true,
      });
      const res = await fetch(`${base}/v1/balance?currency=KGS`, { headers: auth });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        object: 'balance',
        currency: 'KGS',
        available: 1941,
        pending: 0,
        livemode: false,
      });
      // The key is a test key: the ledger is asked for the test balance.
      expect(peers.callsOf('getBalance')[0]?.request).toEqual({
        merchantId: MERCHANT.id,
        currency: 'KGS',
        livemode: false,
      });
      const lower = await fetch(`${base}/v1/balance?currency=kgs`, { headers: auth });
      expect(lower.status).toBe(400);
    });
  });

  describe('hosted payment page', () => {
    it('lists one form per available method, with the amount for display and escaped text', async () => {
      peers.script.checkout.getPayment = async () => ({
        payment: aPayment({ description: 'Books <b>&</b> "more"' }),
      });
      const res = await fetch(`${base}/pay/pay_it_1${Q}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await res.text();
      expect(html).toContain('$19.99');
      expect(html).toContain('Books &lt;b&gt;&amp;&lt;/b&gt; &quot;more&quot;');
      const forms = [
        ...html.matchAll(
          /<form class="method" method="post" action="\/pay\/pay_it_1\/start\?secret=[\w-]+" data-method="[a-z_]+">\n<input type="hidden" name="_csrf" value="[^"]+">\n<input type="hidden" name="method" value="([a-z_]+)">/g,
        ),
      ];
      expect(forms.map((m) => m[1])).toEqual([
        'webmoney_purse',
        'webmoney_keeper_mobile',
        'card',
        'wavepay',
        'qr',
      ]);
      expect(html).toContain('name="phone"');
      expect(peers.callsOf('getPayment')[0]?.request).toEqual({
        paymentId: 'pay_it_1',
        merchantId: '',
        pageSecret: SECRET,
      });
    });

    it('shows the status of a terminal payment instead of the forms', async () => {
      peers.script.checkout.getPayment = async () => ({
        payment: aPayment({ status: PaymentStatus.PAYMENT_STATUS_EXPIRED }),
      });
      const html = await (await fetch(`${base}/pay/pay_it_1${Q}`)).text();
      expect(html).toContain('data-status="expired"');
      expect(html).not.toContain('/start');
    });

    it('renders an unknown payment as an HTML error page with the code', async () => {
      peers.script.checkout.getPayment = async () => {
        throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'no such payment');
      };
      const res = await fetch(`${base}/pay/pay_missing`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('PAYMENT_NOT_FOUND');
    });
  });

  describe('POST /pay/:id/start', () => {
    let page: { cookie: string; token: string };
    beforeEach(async () => {
      page = await openPage();
    });
    const form = (fields: Record<string, string>) => formPost(page, fields);

    it('renders the provider form, fields in order and escaped, for a FormPost action', async () => {
      peers.script.checkout.startPayment = async (req) => ({
        payment: aPayment({ status: PaymentStatus.PAYMENT_STATUS_PENDING, method: req.method }),
        action: {
          action: {
            $case: 'formPost',
            value: {
              url: 'https://sandbox.tolem.test/webmoney/lmi/payment_utf.asp?x=1&y=2',
              acceptCharset: 'utf-8',
              fields: [
                { name: 'LMI_PAYEE_PURSE', value: 'Z145179295679' },
                { name: 'LMI_PAYMENT_AMOUNT', value: '19.99' },
                { name: 'LMI_PAYMENT_DESC', value: 'Книги "A&B" <x>' },
                { name: 'LMI_PAYMENT_NO', value: '42' },
              ],
            },
          },
        },
      });
      const res = await fetch(
        `${base}/pay/pay_it_1/start${Q}`,
        form({ method: 'webmoney_keeper_mobile', phone: ' +7 900 123-45-67 ' }),
      );
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(
        '<form id="provider-form" method="post" action="https://sandbox.tolem.test/webmoney/lmi/payment_utf.asp?x=1&amp;y=2" accept-charset="utf-8">',
      );
      const inputs = [
        ...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g),
      ].map((m) => `${m[1]}=${m[2]}`);
      expect(inputs).toEqual([
        'LMI_PAYEE_PURSE=Z145179295679',
        'LMI_PAYMENT_AMOUNT=19.99',
        'LMI_PAYMENT_DESC=Книги &quot;A&amp;B&quot; &lt;x&gt;',
        'LMI_PAYMENT_NO=42',
      ]);
      expect(html).toContain('<button type="submit">');
      expect(html).toContain("document.getElementById('provider-form').submit();");
      expect(peers.callsOf('startPayment')[0]?.request).toEqual({
        paymentId: 'pay_it_1',
        pageSecret: SECRET,
        method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
        payer: { phone: '+7 900 123-45-67' },
      });
    });

    it('answers 303 for a redirect action and a page for instructions', async () => {
      peers.script.checkout.startPayment = async () => ({
        payment: aPayment(),
        action: { action: { $case: 'redirectUrl', value: 'https://card.tolem.test/pay?id=1' } },
      });
      const redirect = await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'card' }));
      expect(redirect.status).toBe(303);
      expect(redirect.headers.get('location')).toBe('https://card.tolem.test/pay?id=1');

      peers.script.checkout.startPayment = async () => ({
        payment: aPayment(),
        action: {
          action: {
            $case: 'instructions',
            value: { title: 'Pay with Wavepay', values: { wallet: '09-777 <1>' } },
          },
        },
      });
      const page = await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'wavepay' }));
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Pay with Wavepay');
      expect(html).toContain('<dd>09-777 &lt;1&gt;</dd>');
    });

    it('passes "remember this card" only for the card method, and only when ticked', async () => {
      peers.script.checkout.startPayment = async () => ({
        payment: aPayment({ status: PaymentStatus.PAYMENT_STATUS_PENDING }),
        action: {
          action: {
            $case: 'formPost',
            value: { url: 'https://im.tolem.test/ru/', acceptCharset: 'utf-8', fields: [] },
          },
        },
      });
      await fetch(
        `${base}/pay/pay_it_1/start${Q}`,
        form({ method: 'card', remember_card: 'true' }),
      );
      await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'card' }));
      await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'qr', remember_card: 'true' }));
      expect(peers.callsOf('startPayment').map((c) => c.request)).toEqual([
        {
          paymentId: 'pay_it_1',
          pageSecret: SECRET,
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          payer: { remember_card: 'true' },
        },
        {
          paymentId: 'pay_it_1',
          pageSecret: SECRET,
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          payer: {},
        },
        {
          paymentId: 'pay_it_1',
          pageSecret: SECRET,
          method: PaymentMethod.PAYMENT_METHOD_QR,
          payer: {},
        },
      ]);
    });

    it('renders Wavepay and QR instructions on our own page', async () => {
      peers.script.checkout.startPayment = async (req) => ({
        payment: aPayment({
          status: PaymentStatus.PAYMENT_STATUS_PENDING,
          method: req.method,
          amount: { amountMinor: 500_000n, currency: 'MMK' },
        }),
        action: {
          action: {
            $case: 'instructions',
            value: (req.method === PaymentMethod.PAYMENT_METHOD_WAVEPAY
              ? {
                  title: 'Pay with Wavepay',
                  values: {
                    wallet_identifier: '09790000101',
                    amount: '5000',
                    currency: 'MMK',
                    payer_input: 'key1',
                    plugin_url: 'https://sandbox.tolem.test/paykassma/plugin/?label=a&b=c',
                  },
                }
              : {
                  title: 'Pay by QR code',
                  values: {
                    link: 'https://pay.payqr.kg/#00020101021232',
                    payload: '00020101021232',
                    qr_id: 'qr_it_1',
                  },
                }) as Instructions,
          },
        },
      });
      const wavepay = await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'wavepay' }));
      expect(wavepay.status).toBe(200);
      const wHtml = await wavepay.text();
      expect(wHtml).toContain(
        `<form id="payer-input-form" class="method" method="post" action="/pay/pay_it_1/input${Q}">`,
      );
      expect(wHtml).toContain('<dd>09790000101</dd>');
      expect(wHtml).toContain(
        'href="https://sandbox.tolem.test/paykassma/plugin/?label=a&amp;b=c&amp;lang=en"',
      );
      expect(wavepay.headers.get('content-security-policy')).toContain("connect-src 'self'");

      const qr = await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'qr' }));
      const qHtml = await qr.text();
      expect(qHtml).toContain('<a id="qr-link" href="https://pay.payqr.kg/#00020101021232"');
      expect(qHtml).toContain('<pre id="qr-link-text">https://pay.payqr.kg/#00020101021232</pre>');
      expect(qHtml).toContain('<pre id="qr-payload">00020101021232</pre>');
      expect(qHtml).toContain(`data-status-url="/pay/pay_it_1/status${Q}"`);
    });

    it('renders refusals as HTML error pages with the mapped status', async () => {
      peers.script.checkout.startPayment = async () => {
        throw new DomainError(
          'PAYMENT_METHOD_NOT_ENABLED',
          'precondition',
          'this method is not enabled',
        );
      };
      const refused = await fetch(`${base}/pay/pay_it_1/start${Q}`, form({ method: 'qr' }));
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain('PAYMENT_METHOD_NOT_ENABLED');

      const noPhone = await fetch(
        `${base}/pay/pay_it_1/start${Q}`,
        form({ method: 'webmoney_keeper_mobile' }),
      );
      expect(noPhone.status).toBe(400);
      expect(await noPhone.text()).toContain('VALIDATION_FAILED');
      expect(peers.callsOf('startPayment')).toHaveLength(1);
    });
  });

  describe('POST /pay/:id/input and GET /pay/:id/status', () => {
    let page: { cookie: string; token: string };
    beforeEach(async () => {
      page = await openPage();
    });
    const input = (key1: string | undefined) => formPost(page, key1 === undefined ? {} : { key1 });
    const instructions = (status?: string) => ({
      action: {
        $case: 'instructions' as const,
        value: {
          title: 'Pay with Wavepay',
          values: {
            wallet_identifier: '09790000101',
            payer_input: 'key1',
            ...(status ? { status } : {}),
          },
        },
      },
    });
    const wavepay = (status: PaymentStatus) =>
      aPayment({
        status,
        method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
        amount: { amountMinor: 500_000n, currency: 'MMK' },
        successUrl: 'https://shop.example/ok?o=1&x=2',
      });

    it('succeeded: "Payment received" with the way back to success_url', async () => {
      peers.script.checkout.submitPayerInput = async () => ({
        payment: wavepay(PaymentStatus.PAYMENT_STATUS_SUCCEEDED),
        message: '',
        action: undefined,
        outcome: 'succeeded',
      });
      const res = await fetch(`${base}/pay/pay_it_1/input${Q}`, input(' 0123456789 '));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<h1>Payment received</h1>');
      expect(html).toContain(
        'id="return-link" class="button" href="https://shop.example/ok?o=1&amp;x=2"',
      );
      expect(peers.callsOf('submitPayerInput')[0]?.request).toEqual({
        paymentId: 'pay_it_1',
        pageSecret: SECRET,
        fields: { key1: '0123456789' },
      });
    });

    it('pending: waits for confirmation, polling the status', async () => {
      peers.script.checkout.submitPayerInput = async () => ({
        payment: wavepay(PaymentStatus.PAYMENT_STATUS_PENDING),
        message: 'The deposit status check has been started',
        action: instructions('pending'),
        outcome: 'pending',
      });
      const res = await fetch(`${base}/pay/pay_it_1/input${Q}`, input('0123456789'));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Waiting for confirmation');
      // Paykassma's English message is for operators; the payer reads the page's own words.
      expect(html).toContain('Wavepay is confirming your transfer.');
      expect(html).not.toContain('The deposit status check has been started');
      expect(html).toContain(`data-status-url="/pay/pay_it_1/status${Q}"`);
      expect(html).not.toContain('payer-input-form');
    });

    it('requires_review: "your payment is being checked"', async () => {
      peers.script.checkout.submitPayerInput = async () => ({
        payment: wavepay(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW),
        message: 'Transaction not found. Possible transaction created',
        action: instructions('manual_review'),
        outcome: 'manual_review',
      });
      const res = await fetch(`${base}/pay/pay_it_1/input${Q}`, input('0123456789'));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Your payment is being checked');
      expect(html).not.toContain('payer-input-form');
    });

    it('refused: the message, escaped, and the form again; final payments go to their page', async () => {
      peers.script.checkout.submitPayerInput = async () => ({
        payment: wavepay(PaymentStatus.PAYMENT_STATUS_PENDING),
        message: 'Transaction not found <b>',
        action: instructions(),
        outcome: 'failed',
      });
      const res = await fetch(`${base}/pay/pay_it_1/input${Q}`, input('999'));
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('The transaction number was not accepted; check it and try again.');
      expect(html).not.toContain('Transaction not found');
      expect(html).toContain('id="payer-input-form"');
      expect(html).toContain('<dd>09790000101</dd>');

      peers.script.checkout.submitPayerInput = async () => ({
        payment: wavepay(PaymentStatus.PAYMENT_STATUS_FAILED),
        message: '',
        action: undefined,
        outcome: 'failed',
      });
      const failed = await fetch(`${base}/pay/pay_it_1/input${Q}`, input('999'));
      expect(failed.status).toBe(303);
      expect(failed.headers.get('location')).toBe(`/pay/pay_it_1${Q}`);
    });

    it('a locked Wavepay: the lock message, and the way back to choose another method', async () => {
      peers.script.checkout.submitPayerInput = async () => {
        throw new DomainError(
          'PAYMENT_METHOD_LOCKED',
          'precondition',
          'Too many transaction numbers were not accepted for this payment, so Wavepay is locked for it.',
          { details: { method: 'wavepay' } },
        );
      };
      const res = await fetch(`${base}/pay/pay_it_1/input${Q}`, input('70000000009'));
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('data-error-code="PAYMENT_METHOD_LOCKED"');
      expect(html).toContain('Too many attempts with this payment method for this payment');
      expect(html).toContain(`<a id="back-link" href="/pay/pay_it_1${Q}">`);
    });

    it('checks key1 before asking checkout, and renders checkout refusals as HTML', async () => {
      for (const key1 of [undefined, '   ', '123456789012']) {
        const res = await fetch(`${base}/pay/pay_it_1/input${Q}`, input(key1));
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('id="payer-input-form"');
      }
      expect(peers.callsOf('submitPayerInput')).toHaveLength(0);

      peers.script.checkout.submitPayerInput = async () => {
        throw new DomainError('PAYMENT_NOT_PAYABLE', 'precondition', 'this payment is not payable');
      };
      const refused = await fetch(`${base}/pay/pay_it_1/input${Q}`, input('1'));
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await refused.text()).toContain('PAYMENT_NOT_PAYABLE');
    });

    it('answers the status as JSON, and errors in the API error shape', async () => {
      peers.script.checkout.getPayment = async (req) => {
        if (req.paymentId !== 'pay_it_1') {
          throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'no such payment');
        }
        return { payment: wavepay(PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW) };
      };
      const res = await fetch(`${base}/pay/pay_it_1/status${Q}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ status: 'requires_review' });
      expect(peers.callsOf('getPayment')[0]?.request).toEqual({
        paymentId: 'pay_it_1',
        merchantId: '',
        pageSecret: SECRET,
      });
      const missing = await fetch(`${base}/pay/pay_other/status`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
        'PAYMENT_NOT_FOUND',
      );
    });
  });

  describe('the link secret, CSRF and per-IP limits', () => {
    /** Checkout's rule: the payer steps need pay_it_1's secret; anything else is not found. */
    function checkoutGuardsTheSecret() {
      const guard = (req: { paymentId: string; pageSecret: string }) => {
        if (req.paymentId !== 'pay_it_1' || req.pageSecret !== SECRET) {
          throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'payment not found');
        }
      };
      peers.script.checkout.getPayment = async (req) => {
        guard(req);
        return { payment: aPayment() };
      };
      peers.script.checkout.startPayment = async (req) => {
        guard(req);
        return {
          payment: aPayment(),
          action: { action: { $case: 'redirectUrl', value: 'https://card.tolem.test/p' } },
        };
      };
      peers.script.checkout.submitPayerInput = async (req) => {
        guard(req);
        throw new Error('not reached in these tests');
      };
    }
    /** The page without its request id, which differs on every answer. */
    const withoutRequestId = (html: string) => html.replace(/req_[0-9a-z]+/g, 'req_');

    it('answers a wrong or missing secret with the same 404 as an unknown payment, and never logs it', async () => {
      checkoutGuardsTheSecret();
      const unknown = await fetch(`${base}/pay/pay_unknown${Q}`);
      expect(unknown.status).toBe(404);
      const unknownHtml = withoutRequestId(await unknown.text());
      expect(unknownHtml).toContain('PAYMENT_NOT_FOUND');
      for (const query of [
        '',
        '?secret=',
        '?secret=wrong',
        `${Q}x`,
        `?secret=${SECRET}&secret=${SECRET}`,
      ]) {
        const res = await fetch(`${base}/pay/pay_it_1${query}`);
        expect(res.status).toBe(404);
        expect(withoutRequestId(await res.text())).toBe(unknownHtml);
        const status = await fetch(`${base}/pay/pay_it_1/status${query}`);
        expect(status.status).toBe(404);
        expect(((await status.json()) as { error: { code: string } }).error.code).toBe(
          'PAYMENT_NOT_FOUND',
        );
      }
      const page = await openPage();
      checkoutGuardsTheSecret();
      const wrongStart = await fetch(
        `${base}/pay/pay_it_1/start?secret=wrong`,
        formPost(page, { method: 'card' }),
      );
      expect(wrongStart.status).toBe(404);
      expect(withoutRequestId(await wrongStart.text())).toBe(unknownHtml);
      const rightStart = await fetch(
        `${base}/pay/pay_it_1/start${Q}`,
        formPost(page, { method: 'card' }),
      );
      expect(rightStart.status).toBe(303);
      // The secret travels only in URLs, and URLs are logged without their query.
      await waitFor(async () => gateway.output().includes('/pay/pay_it_1/start'), {
        timeoutMs: 5_000,
        what: 'the request log line',
      });
      expect(gateway.output()).not.toContain(SECRET);
    });

    it("refuses a form POST without this browser's CSRF token with 403, asking checkout nothing", async () => {
      checkoutGuardsTheSecret();
      const mine = await openPage();
      const theirs = await openPage();
      const plain = { 'content-type': 'application/x-www-form-urlencoded' };
      const attempts: RequestInit[] = [
        { method: 'POST', headers: plain, body: 'method=card', redirect: 'manual' },
        {
          method: 'POST',
          headers: { ...plain, cookie: mine.cookie },
          body: 'method=card',
          redirect: 'manual',
        },
        {
          method: 'POST',
          headers: plain,
          body: `method=card&_csrf=${encodeURIComponent(mine.token)}`,
          redirect: 'manual',
        },
        { ...formPost(mine, { method: 'card' }), headers: { ...plain, cookie: theirs.cookie } },
        formPost({ cookie: mine.cookie, token: 'forged' }, { method: 'card' }),
      ];
      for (const init of attempts) {
        const res = await fetch(`${base}/pay/pay_it_1/start${Q}`, init);
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await res.text()).toContain('CSRF_TOKEN_INVALID');
        const input = await fetch(`${base}/pay/pay_it_1/input${Q}`, { ...init, body: 'key1=1' });
        expect(input.status).toBe(403);
      }
      expect(peers.callsOf('startPayment')).toHaveLength(0);
      expect(peers.callsOf('submitPayerInput')).toHaveLength(0);
      // The page's own browser gets through.
      const ok = await fetch(`${base}/pay/pay_it_1/start${Q}`, formPost(mine, { method: 'card' }));
      expect(ok.status).toBe(303);
    });

    it('limits /v1 per API key (429, Retry-After) from RATE_LIMIT_API_KEY_*', async () => {
      const limited = await startGateway(peers.address, peers.address, {
        RATE_LIMIT_API_KEY_MAX: '2',
        RATE_LIMIT_API_KEY_WINDOW_MS: '60000',
      });
      try {
        peers.script.checkout.getPayment = async () => ({ payment: aPayment() });
        const get = () => fetch(`${limited.base}/v1/payments/pay_it_1`, { headers: auth });
        expect((await get()).status).toBe(200);
        expect((await get()).status).toBe(200);
        const refused = await get();
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await refused.json()).toMatchObject({
          error: { code: 'RATE_LIMITED', request_id: expect.any(String) },
        });
        expect(peers.callsOf('getPayment')).toHaveLength(2);
      } finally {
        await limited.process.stop();
      }
    });

    it('answers 429 RATE_LIMITED per client IP, for pages and callbacks on separate budgets', async () => {
      const limited = await startGateway(peers.address, peers.address, {
        RATE_LIMIT_PAGES_MAX: '3',
        RATE_LIMIT_CALLBACKS_MAX: '2',
      });
      try {
        checkoutGuardsTheSecret();
        peers.script.checkout.handleProviderCallback = async () => ({
          reply: { statusCode: 200, contentType: 'text/plain', body: Buffer.from('YES') },
          paymentId: 'pay_it_1',
          status: PaymentStatus.PAYMENT_STATUS_PENDING,
        });
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++)
          statuses.push((await fetch(`${limited.base}/pay/pay_it_1${Q}`)).status);
        expect(statuses).toEqual([200, 200, 200]);
        const page = await fetch(`${limited.base}/pay/pay_it_1${Q}`);
        expect(page.status).toBe(429);
        expect(page.headers.get('retry-after')).not.toBeNull();
        expect(await page.text()).toContain('RATE_LIMITED');
        const poll = await fetch(`${limited.base}/pay/pay_it_1/status${Q}`);
        expect(poll.status).toBe(429);
        expect(await poll.json()).toMatchObject({
          error: { code: 'RATE_LIMITED', request_id: expect.any(String) },
        });
        const callback = () =>
          fetch(`${limited.base}/callbacks/webmoney`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'a=1',
          });
        expect((await callback()).status).toBe(200);
        expect((await callback()).status).toBe(200);
        const refused = await callback();
        expect(refused.status).toBe(429);
        expect(await refused.json()).toMatchObject({
          error: {
            code: 'RATE_LIMITED',
            message: expect.any(String),
            request_id: expect.any(String),
          },
        });
        expect(peers.callsOf('handleProviderCallback')).toHaveLength(2);
      } finally {
        await limited.process.stop();
      }
    });
  });

  describe('POST /callbacks/:provider', () => {
    // UTF-8 Cyrillic, a literal "+", percent sequences that decode to "+" and to Cyrillic, and a
    // byte that is not UTF-8 at all: any decode/re-encode step would change these bytes.
    const body = Buffer.concat([
      Buffer.from(
        'LMI_PAYEE_PURSE=Z145179295679&LMI_PAYMENT_DESC=Оплата+заказа+№5&x=%2B%D0%9E%25&sp=a+b',
        'utf8',
      ),
      Buffer.from([0x26, 0x63, 0x70, 0x3d, 0xcf, 0xf0, 0xe8, 0xe2]),
      Buffer.from('&LMI_HASH=SECRET_HASH_MARKER_3F2A', 'utf8'),
    ]);

    it('passes method, path, query, lower-case joined headers and the raw bytes, and answers the reply verbatim', async () => {
      const replyBody = Buffer.from([0x59, 0x45, 0x53, 0x0a, 0xd0, 0x9e]);
      peers.script.checkout.handleProviderCallback = async () => ({
        reply: {
          statusCode: 200,
          contentType: 'text/plain; charset=windows-1251',
          body: replyBody,
        },
        paymentId: 'pay_it_1',
        status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      });
      const res = await rawPost(
        `${base}/callbacks/webmoney?LMI_PREREQUEST=1&a=%2B+b`,
        {
          'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
          'X-Repeated': ['one', 'two'],
          'X-Request-Id': 'it-callback-1',
        },
        body,
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=windows-1251');
      expect(res.body.equals(replyBody)).toBe(true);

      const call = peers.callsOf('handleProviderCallback')[0];
      expect(call?.requestId).toBe('it-callback-1');
      const sent = call?.request as { provider: Provider; request: HttpRequest };
      expect(sent.provider).toBe(Provider.PROVIDER_WEBMONEY);
      expect(Buffer.from(sent.request.body).equals(body)).toBe(true);
      expect(sent.request.method).toBe('POST');
      expect(sent.request.path).toBe('/callbacks/webmoney');
      expect(sent.request.query).toBe('LMI_PREREQUEST=1&a=%2B+b');
      expect(sent.request.remoteAddress).toMatch(/127\.0\.0\.1/);
      expect(sent.request.headers).toMatchObject({
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-repeated': 'one, two',
        'content-length': String(body.length),
      });
      expect(Object.keys(sent.request.headers).every((k) => k === k.toLowerCase())).toBe(true);

      // Bodies may carry hashes: the gateway logs provider, status and payment, never the body.
      // The log line is written as the reply goes out, so it may trail the response slightly.
      const log = await waitFor(
        () =>
          gateway.output().includes('provider callback handled') ? gateway.output() : undefined,
        { timeoutMs: 5_000, what: 'the callback log line' },
      );
      expect(log).not.toContain('SECRET_HASH_MARKER_3F2A');
    });

    it.each([
      ['intellectmoney', Provider.PROVIDER_INTELLECTMONEY, 'application/x-www-form-urlencoded'],
      ['paykassma', Provider.PROVIDER_PAYKASSMA, 'application/json'],
      ['qr', Provider.PROVIDER_QR_ACQUIRER, 'text/plain'],
    ])('takes %s callbacks as raw bytes too (%s, %s)', async (segment, provider, contentType) => {
      peers.script.checkout.handleProviderCallback = async () => ({
        reply: {
          statusCode: 400,
          contentType: 'application/json',
          body: Buffer.from('{"status":"error"}'),
        },
        paymentId: '',
        status: PaymentStatus.PAYMENT_STATUS_UNSPECIFIED,
      });
      const raw = Buffer.from('{"sum": 10.50, "note": "a+b%20c", "broken": ', 'utf8');
      const res = await rawPost(
        `${base}/callbacks/${segment}`,
        { 'content-type': contentType },
        raw,
      );
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body.toString()).toBe('{"status":"error"}');
      const sent = peers.callsOf('handleProviderCallback')[0]?.request as {
        provider: Provider;
        request: HttpRequest;
      };
      expect(sent.provider).toBe(provider);
      expect(Buffer.from(sent.request.body).equals(raw)).toBe(true);
    });

    it('answers 404 for an unknown provider and 413 above 64 KiB, without calling checkout', async () => {
      const unknown = await rawPost(
        `${base}/callbacks/paypal`,
        { 'content-type': 'text/plain' },
        Buffer.from('x'),
      );
      expect(unknown.status).toBe(404);
      const big = await rawPost(
        `${base}/callbacks/webmoney`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        Buffer.alloc(64 * 1024 + 1, 0x61),
      );
      expect(big.status).toBe(413);
      expect(peers.callsOf('handleProviderCallback')).toHaveLength(0);
    });

    it('answers 503 "retry" when checkout fails so the provider tries again', async () => {
      peers.script.checkout.handleProviderCallback = async () => {
        throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'ledger is down');
      };
      const res = await rawPost(
        `${base}/callbacks/webmoney`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      );
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body.toString()).toBe('retry');
    });
  });

  describe('POST /admin/v1/merchants', () => {
    const merchantBody = {
      name: 'Book shop',
      enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
      fee_rules: [
        { method: 'webmoney_purse', percent_bps: 250, fixed: [{ amount: 30, currency: 'RUB' }] },
      ],
      webmoney_shop_id: '42',
      result_url: 'https://shop.example/tolem/result',
      success_url: 'https://shop.example/ok',
      fail_url: 'https://shop.example/fail',
    };
    const adminPost = (
      token: string | undefined,
      key: string | undefined,
      body: object = merchantBody,
    ) => ({
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });
    /** A ledger whose fee plans are puts and reads, as the real one's. */
    const scriptFeePlans = () => {
      const plans = new Map<string, FeePlan>();
      peers.script.ledger.setFeePlan = async (req) => {
        const plan = { merchantId: req.merchantId, rules: req.rules, updatedAt: new Date() };
        plans.set(req.merchantId, plan);
        return { plan };
      };
      peers.script.ledger.getFeePlan = async (req) => ({ plan: plans.get(req.merchantId) });
    };

    it('refuses fee rules the ledger could not apply before writing anything', async () => {
      for (const [fee_rules, field] of [
        [
          [
            {
              method: 'card',
              percent_bps: 1,
              fixed: [
                { amount: 1, currency: 'RUB' },
                { amount: 2, currency: 'RUB' },
              ],
            },
          ],
          'fee_rules[0].fixed[1].currency',
        ],
        [
          [{ method: 'card', percent_bps: 1, fixed: [{ amount: 1, currency: 'XYZ' }] }],
          'fee_rules[0].fixed[0].currency',
        ],
        [[{ method: 'card', percent_bps: 1, fixed_minor: 30 }], 'fee_rules'],
        [[{ method: 'card', percent_bps: 10_001 }], 'fee_rules'],
      ] as const) {
        const res = await fetch(
          `${base}/admin/v1/merchants`,
          adminPost(ADMIN_TOKEN, 'adm-bad-fees', { ...merchantBody, fee_rules }),
        );
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(error.message).toContain(field);
      }
      expect(peers.calls).toHaveLength(0);
    });

    it('needs the admin token', async () => {
      for (const token of [undefined, 'wrong-token-0123456789', GOOD_API_KEY, `${ADMIN_TOKEN}x`]) {
        const res = await fetch(`${base}/admin/v1/merchants`, adminPost(token, 'adm-1'));
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'UNAUTHENTICATED',
        );
      }
      expect(peers.calls).toHaveLength(0);
    });

    it('requires an Idempotency-Key', async () => {
      const res = await fetch(`${base}/admin/v1/merchants`, adminPost(ADMIN_TOKEN, undefined));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'IDEMPOTENCY_KEY_REQUIRED',
      );
    });

    it('hands onboarding to checkout in one call (fee plan included) and replays without secrets', async () => {
      let created = false;
      peers.script.merchants.createMerchant = async (req: CreateMerchantRequest) => {
        const replayed = created;
        created = true;
        return {
          merchant: Merchant.fromPartial({
            id: 'mer_new',
            name: req.name,
            enabledMethods: req.enabledMethods,
            webmoneyShopId: req.webmoneyShopId,
            notificationUrl: req.notificationUrl,
            onboarding: { status: 'pending', pendingSteps: ['notifier_endpoint'] },
          }),
          apiKey: replayed ? '' : 'sk_test_brand_new',
          replayed,
          webhookSigningSecret: replayed ? '' : 'whsec_from_checkout',
        };
      };
      scriptFeePlans();
      peers.script.ledger.getMerchantSettings = async (req) => ({
        settings: { merchantId: req.merchantId, allowNegativeBalance: false, updatedAt: undefined },
      });

      const first = await fetch(
        `${base}/admin/v1/merchants`,
        adminPost(ADMIN_TOKEN, 'adm-create-1'),
      );
      expect(first.status).toBe(201);
      const body = (await first.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        api_key: 'sk_test_brand_new',
        webhook_signing_secret: 'whsec_from_checkout',
        merchant: {
          id: 'mer_new',
          object: 'merchant',
          enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
          webmoney_shop_id: '42',
          result_url: 'https://shop.example/tolem/result',
          onboarding: { status: 'pending', pending_steps: ['notifier_endpoint'] },
        },
      });
      expect(peers.callsOf('createMerchant')[0]?.request).toMatchObject({
        idempotencyKey: 'adm-create-1',
        notificationUrl: 'https://shop.example/tolem/result',
        feePlan: {
          rules: [
            {
              method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
              percentBps: 250,
              fixed: [{ amountMinor: 30n, currency: 'RUB' }],
            },
          ],
        },
      });
      // Checkout's onboarding talks to the ledger and the notifier, not the gateway.
      expect(peers.callsOf('setFeePlan')).toHaveLength(0);
      expect(peers.callsOf('upsertEndpoint')).toHaveLength(0);
      expect(gateway.output()).not.toContain('whsec_from_checkout');

      const replay = await fetch(
        `${base}/admin/v1/merchants`,
        adminPost(ADMIN_TOKEN, 'adm-create-1'),
      );
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.json()).toMatchObject({
        api_key: '',
        webhook_signing_secret: null,
        merchant: { id: 'mer_new' },
      });
    });
  });

  describe('recurring operations (/v1/recurring_operations) over the wire', () => {
    const PHONE = '996700123456';
    const body = {
      binding: 'cbd_it_1',
      amount: 9_007_199_254_740_993n.toString(),
      currency: 'RUB',
      description: 'Gym, monthly',
      schedule: { interval: 'monthly', day: 31, time_of_day: '09:00', time_zone: 'Asia/Bishkek' },
      starts_at: '2027-01-01T00:00:00+06:00',
      receipt_customer: { phone: PHONE },
    };
    const post = (key: string, payload: object = body) =>
      fetch(`${base}/v1/recurring_operations`, {
        method: 'POST',
        headers: { ...jsonPost(key), 'x-request-id': `it-rec-${key}` },
        body: JSON.stringify(payload),
      });

    it('creates: the key, merchant, exact amount and schedule reach RecurringService; 201 and a replay', async () => {
      peers.script.recurring.setScheduledOperation = async (req) => ({
        operation: ScheduledOperation.fromPartial({
          id: 'sop_it_1',
          merchantId: req.merchantId,
          bindingId: req.bindingId,
          amount: req.amount,
          description: req.description,
          schedule: req.schedule,
          startsAt: req.startsAt,
          state: OperationState.OPERATION_STATE_ACTIVE,
          receiptCustomer: req.receiptCustomer,
          version: 1,
        }),
        created: true,
        replayed: false,
      });
      const res = await post('rec-1');
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/v1/recurring_operations/sop_it_1');
      expect(await res.json()).toMatchObject({
        id: 'sop_it_1',
        amount: '9007199254740993',
        currency: 'RUB',
        schedule: { interval: 'monthly', day: 31, time_of_day: '09:00', time_zone: 'Asia/Bishkek' },
        starts_at: '2026-12-31T18:00:00.000Z',
        state: 'active',
        receipt_customer: { phone: PHONE, email: null },
      });
      const calls = peers.callsOf('setScheduledOperation');
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        requestId: 'it-rec-rec-1',
        request: {
          merchantId: MERCHANT.id,
          idempotencyKey: 'rec-1',
          operationId: '',
          bindingId: 'cbd_it_1',
          amount: { amountMinor: 9_007_199_254_740_993n, currency: 'RUB' },
          startsAt: new Date('2026-12-31T18:00:00.000Z'),
        },
      });
      const again = await post('rec-1');
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(peers.callsOf('setScheduledOperation')).toHaveLength(1);
      // The phone travelled to the service and back, and into no log line.
      await waitFor(async () => gateway.output().includes('recurring operation created'), {
        timeoutMs: 5_000,
        what: 'the create log line',
      });
      expect(gateway.output()).not.toContain(PHONE);
    });

    it.each([
      ['invalid', 'RECURRING_INVALID_SCHEDULE', 400],
      ['not_found', 'RECURRING_BINDING_NOT_FOUND', 404],
      ['precondition', 'RECURRING_BINDING_NOT_ACTIVE', 422],
      ['conflict', 'RECURRING_IDEMPOTENCY_CONFLICT', 409],
    ] as const)('maps a %s status from RecurringService to %s / %i', async (kind, code, status) => {
      peers.script.recurring.setScheduledOperation = async () => {
        throw new DomainError(code, kind as ErrorKind, `${code} for ${PHONE}`, {
          details: { field: 'schedule' },
        });
      };
      const res = await post(`rec-${kind}`);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: { code: string; details?: object } };
      expect(json.error.code).toBe(code);
      expect(json.error.details).toEqual({ field: 'schedule' });
      expect(gateway.output()).not.toContain(PHONE);
    });

    it("pages operations and reads another merchant's id as not found", async () => {
      peers.script.recurring.listScheduledOperations = async () => ({
        operations: [],
        hasMore: true,
      });
      peers.script.recurring.getScheduledOperation = async (req) => {
        throw new DomainError(
          'RECURRING_OPERATION_NOT_FOUND',
          'not_found',
          `operation ${req.operationId} not found`,
        );
      };
      const list = await fetch(
        `${base}/v1/recurring_operations?limit=20&ending_before=sop_it_9&state=active`,
        { headers: auth },
      );
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual({
        object: 'list',
        url: '/v1/recurring_operations',
        has_more: true,
        data: [],
      });
      expect(peers.callsOf('listScheduledOperations')[0]?.request).toMatchObject({
        merchantId: MERCHANT.id,
        limit: 20,
        endingBefore: 'sop_it_9',
        state: OperationState.OPERATION_STATE_ACTIVE,
      });
      const other = await fetch(`${base}/v1/recurring_operations/sop_other`, { headers: auth });
      expect(other.status).toBe(404);
      // The test key's mode travels with the call: live operations are not its to read.
      expect(peers.callsOf('getScheduledOperation')[0]?.request).toEqual({
        merchantId: MERCHANT.id,
        operationId: 'sop_other',
        livemode: false,
      });
    });
  });

  describe('operator cases (/admin/v1/cases)', () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const adminJson = { ...admin, 'content-type': 'application/json' };
    const theCase = Case.fromPartial({
      id: 'case_it_1',
      kind: 'late_payment',
      status: CaseStatus.CASE_STATUS_OPEN,
      paymentId: 'pay_it_1',
      merchantId: MERCHANT.id,
      provider: Provider.PROVIDER_WEBMONEY,
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      providerPaymentId: '1234567',
      amount: { amountMinor: 1999n, currency: 'USD' },
      expected: { amountMinor: 1999n, currency: 'USD' },
      paymentStatus: 'expired',
      callbackId: 'cb_it_1',
      providerAttributes: { payer_wmid: '123456789012' },
      reason: 'a payment that arrived after the payment failed, expired or was canceled',
      createdAt: new Date('2026-12-06T08:00:00.000Z'),
    });

    /** A CaseService whose resolutions behave as checkout's: once, a repeat answers the case. */
    function scriptCases(): void {
      let current = theCase;
      const resolve = (status: CaseStatus, returnReference: string) => {
        if (current.status === status) return { case: current };
        if (current.status !== CaseStatus.CASE_STATUS_OPEN) {
          throw new DomainError(
            'CASE_ALREADY_RESOLVED',
            'precondition',
            `case ${current.id} was already resolved`,
            { details: { status: 'resolved' } },
          );
        }
        current = { ...current, status, returnReference, resolvedAt: new Date() };
        return { case: current };
      };
      const known = (id: string) => {
        if (id !== theCase.id)
          throw new DomainError('CASE_NOT_FOUND', 'not_found', `case ${id} not found`);
      };
      peers.script.cases.listCases = async (req) => ({
        cases: [current],
        nextPageToken: req.pageToken === '' ? 'next-page' : '',
      });
      peers.script.cases.getCase = async (req) => {
        known(req.caseId);
        return {
          case: current,
          audit: [{ at: theCase.createdAt, action: 'opened', actor: 'system', detail: 'late' }],
          callback: undefined,
        };
      };
      peers.script.cases.applyCase = async (req) => {
        known(req.caseId);
        return resolve(CaseStatus.CASE_STATUS_APPLIED, '');
      };
      peers.script.cases.returnCase = async (req) => {
        known(req.caseId);
        return resolve(CaseStatus.CASE_STATUS_RETURNED, req.returnReference);
      };
    }

    it('needs the admin token: an API key or no token is 401, checkout is not asked', async () => {
      scriptCases();
      for (const headers of [{}, auth, { authorization: 'Bearer wrong-token-0123456789' }]) {
        const res = await fetch(`${base}/admin/v1/cases`, { headers });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      }
      expect(peers.calls.filter((c) => c.service === 'cases')).toHaveLength(0);
    });

    it('lists and shows cases over the wire, passing filters, the cursor and the request id', async () => {
      scriptCases();
      const list = await fetch(`${base}/admin/v1/cases?status=open&payment_id=pay_it_1&limit=10`, {
        headers: { ...admin, 'x-request-id': 'ops-it-1' },
      });
      expect(list.status).toBe(200);
      expect(await list.json()).toMatchObject({
        object: 'list',
        has_more: true,
        next_cursor: 'next-page',
        data: [
          {
            id: 'case_it_1',
            kind: 'late_payment',
            status: 'open',
            amount: 1999,
            currency: 'USD',
            expected_amount: 1999,
            payment_status: 'expired',
            provider: 'webmoney',
            callback_id: 'cb_it_1',
          },
        ],
      });
      expect(peers.callsOf('listCases')[0]).toMatchObject({
        requestId: 'ops-it-1',
        request: {
          status: CaseStatus.CASE_STATUS_OPEN,
          paymentId: 'pay_it_1',
          merchantId: '',
          pageSize: 10,
          pageToken: '',
        },
      });
      const last = await fetch(`${base}/admin/v1/cases?cursor=next-page`, { headers: admin });
      expect(await last.json()).toMatchObject({ has_more: false, next_cursor: null });

      const shown = await fetch(`${base}/admin/v1/cases/case_it_1`, { headers: admin });
      expect(shown.status).toBe(200);
      expect(await shown.json()).toMatchObject({
        id: 'case_it_1',
        provider_attributes: { payer_wmid: '123456789012' },
        audit: [{ at: '2026-12-06T08:00:00.000Z', action: 'opened', actor: 'system' }],
      });
      const unknown = await fetch(`${base}/admin/v1/cases/case_nope`, { headers: admin });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'CASE_NOT_FOUND' } });
    });

    it('applies once: a repeat with the key replays the first answer, returning it then is 422', async () => {
      scriptCases();
      const apply = () =>
        fetch(`${base}/admin/v1/cases/case_it_1/apply`, {
          method: 'POST',
          headers: { ...adminJson, 'idempotency-key': 'apply-1' },
          body: JSON.stringify({ operator: 'ann@ops', note: 'late but genuine' }),
        });
      const first = await apply();
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({
        status: 'applied',
        resolved_at: expect.any(String),
      });
      const again = await apply();
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toMatchObject({ status: 'applied' });
      expect(peers.callsOf('applyCase').map((c) => c.request)).toEqual([
        { caseId: 'case_it_1', operator: 'ann@ops', note: 'late but genuine' },
      ]);
      const giveBack = await fetch(`${base}/admin/v1/cases/case_it_1/return`, {
        method: 'POST',
        headers: adminJson,
        body: JSON.stringify({ operator: 'bob', return_reference: 'wm-back-1' }),
      });
      expect(giveBack.status).toBe(422);
      expect(await giveBack.json()).toMatchObject({ error: { code: 'CASE_ALREADY_RESOLVED' } });
    });

    it('returns with a reference; a body without one is 400 before checkout is asked', async () => {
      scriptCases();
      const missing = await fetch(`${base}/admin/v1/cases/case_it_1/return`, {
        method: 'POST',
        headers: adminJson,
        body: JSON.stringify({ operator: 'bob' }),
      });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      expect(peers.callsOf('returnCase')).toHaveLength(0);
      const res = await fetch(`${base}/admin/v1/cases/case_it_1/return`, {
        method: 'POST',
        headers: adminJson,
        body: JSON.stringify({ operator: 'bob', return_reference: 'wm-back-1' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'returned', return_reference: 'wm-back-1' });
    });

    it('answers 503 CHECKOUT_UPSTREAM_UNAVAILABLE when checkout cannot reach the ledger', async () => {
      peers.script.cases.applyCase = async () => {
        throw new DomainError(
          'CHECKOUT_UPSTREAM_UNAVAILABLE',
          'unavailable',
          'the ledger is unavailable',
          {
            retriable: true,
          },
        );
      };
      const res = await fetch(`${base}/admin/v1/cases/case_it_1/apply`, {
        method: 'POST',
        headers: adminJson,
        body: JSON.stringify({ operator: 'ann' }),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'CHECKOUT_UPSTREAM_UNAVAILABLE' } });
    });
  });

  describe('Idempotency-Key on refunds and webhooks (every /v1 scope, real PostgreSQL store)', () => {
    const WH_SECRET = 'whsec_aXQtc2lnbmluZy1zZWNyZXQtMDEyMzQ1Njc4OQ';
    const post = (path: string, key: string, payload: object) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: jsonPost(key),
        body: JSON.stringify(payload),
      });
    /** The gateway's stored keys, read from its own database. */
    async function storedRows(): Promise<Record<string, unknown>[]> {
      const url = (await database)?.url;
      if (!url) throw new Error('the gateway database is not up');
      const db = createKnex({ url, applicationName: 'gateway-it-read' });
      try {
        return (await db('idempotency_keys').select()) as Record<string, unknown>[];
      } finally {
        await db.destroy();
      }
    }

    it('replays a refund create from the store (checkout asked once); another amount is 409', async () => {
      peers.script.refunds.createRefund = async (req) => ({
        refund: Refund.fromPartial({
          id: 're_it_1',
          paymentId: req.paymentId,
          merchantId: req.merchantId,
          amount: { amountMinor: req.amount?.amountMinor ?? 0n, currency: 'USD' },
          status: RefundStatus.REFUND_STATUS_PENDING,
          execution: RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE,
          createdAt: new Date('2026-12-07T10:00:00.000Z'),
          updatedAt: new Date('2026-12-07T10:00:00.000Z'),
        }),
        replayed: false,
      });
      const first = await post('/v1/refunds', 'it-ref-1', { payment: 'pay_it_1', amount: 500 });
      expect(first.status).toBe(201);
      const firstJson: unknown = await first.json();
      const again = await post('/v1/refunds', 'it-ref-1', { payment: 'pay_it_1', amount: 500 });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual(firstJson);
      const other = await post('/v1/refunds', 'it-ref-1', { payment: 'pay_it_1', amount: 400 });
      expect(other.status).toBe(409);
      expect(await other.json()).toMatchObject({
        error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'amount' } },
      });
      expect(peers.callsOf('createRefund')).toHaveLength(1);
      expect(peers.callsOf('createRefund')[0]?.request).toMatchObject({
        merchantId: MERCHANT.id,
        idempotencyKey: 'it-ref-1',
      });
    });

    it('replays a webhook recover from the store, and never stores an answer with a signing secret', async () => {
      peers.script.notifier.recoverEndpoint = async () => ({ recovered: 2 });
      const body = { since: '2026-12-01T00:00:00Z' };
      const first = await post('/v1/webhook_endpoints/we_it_1/recover', 'it-wh-rec', body);
      expect(first.status).toBe(200);
      const again = await post('/v1/webhook_endpoints/we_it_1/recover', 'it-wh-rec', body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toMatchObject({ object: 'webhook_recovery', recovered: 2 });
      const other = await post('/v1/webhook_endpoints/we_it_1/recover', 'it-wh-rec', {
        since: '2026-12-02T00:00:00Z',
      });
      expect(other.status).toBe(409);
      expect(await other.json()).toMatchObject({
        error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'since' } },
      });
      expect(peers.callsOf('recoverEndpoint')).toHaveLength(1);

      peers.script.notifier.createEndpoint = async (req) => ({
        endpoint: WebhookEndpoint.fromPartial({
          id: 'we_it_2',
          merchantId: req.merchantId,
          url: req.url,
          status: EndpointStatus.ENDPOINT_STATUS_ENABLED,
          createdAt: new Date('2026-12-07T10:00:00.000Z'),
          updatedAt: new Date('2026-12-07T10:00:00.000Z'),
        }),
        signingSecret: WH_SECRET,
        replayed: false,
      });
      for (let i = 0; i < 2; i += 1) {
        const created = await post('/v1/webhook_endpoints', 'it-wh-create', {
          url: 'https://shop.example/hook',
        });
        expect(created.status).toBe(201);
        expect(((await created.json()) as { secret: string }).secret).toBe(WH_SECRET);
      }
      // Both reached the notifier with the key: its own record answers a retried create.
      expect(peers.callsOf('createEndpoint').map((c) => c.request)).toMatchObject([
        { idempotencyKey: 'it-wh-create' },
        { idempotencyKey: 'it-wh-create' },
      ]);
      const rows = await storedRows();
      const keys = rows.map((r) => r['key']);
      expect(keys).toContain('it-wh-rec');
      expect(keys).not.toContain('it-wh-create');
      expect(JSON.stringify(rows)).not.toContain(WH_SECRET);
    });
  });
});

describe('gateway with checkout unreachable', () => {
  let gateway: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    ({ process: gateway, base } = await startGateway(dead, dead));
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('is live but not ready', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
  });

  it('answers provider callbacks with 503 text/plain "retry"', async () => {
    const res = await rawPost(
      `${base}/callbacks/webmoney`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      Buffer.from('LMI_PREREQUEST=1'),
    );
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.toString()).toBe('retry');
  });

  it('answers the API with 503 UPSTREAM_UNAVAILABLE without leaking the address', async () => {
    const res = await fetch(`${base}/v1/payments/pay_1`, {
      headers: { authorization: 'Bearer sk_test_x' },
    });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(text).not.toContain('127.0.0.1');
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await gateway.stop()).toBe(0);
  });
});
