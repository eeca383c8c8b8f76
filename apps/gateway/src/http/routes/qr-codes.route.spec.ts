import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type CreateQrPaymentRequest, Merchant } from '@tolem/contracts/checkout';
import {
  type CreateQrCodeRequest,
  QrCode,
  QrCodePayment,
  QrCodeStatus,
  QrKind,
  type WatchQrPaymentRequest,
  type WatchQrPaymentResponse,
} from '@tolem/contracts/qr';
import { DomainError } from '@tolem/errors';
import type { CallOpts } from '@tolem/grpc-kit';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { authenticateByKeys, gatewayDeps } from '../../../test/fakes/gateway-deps.fake';
import { buildGateway, type RateLimits } from '../server';
import type { QrClient } from './qr-codes.route';

const at = new Date('2026-12-06T10:00:00.000Z');
const SHOP_SECRET = 'wm-shop-secret-77';

const notFound = (id: string) =>
  new DomainError('QR_CODE_NOT_FOUND', 'not_found', `no QR code ${id}`);

/** A change of one payment under a code, as WatchQrPayment sends it. */
function change(
  qrCodeId: string,
  status: string,
  sequence: bigint,
  snapshot: boolean,
  codeStatus = QrCodeStatus.QR_CODE_STATUS_ACTIVE,
): WatchQrPaymentResponse {
  return {
    payment: QrCodePayment.fromPartial({
      qrCodeId,
      paymentId: 'pay_q1',
      status,
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      payerBank: status === 'succeeded' ? 'qrbank' : '',
      eventId: `evt_${sequence}`,
      sequence,
      createdAt: at,
      updatedAt: new Date(at.getTime() + Number(sequence) * 1000),
    }),
    snapshot,
    codeStatus,
  };
}

interface Watcher {
  request: WatchQrPaymentRequest;
  push(message: WatchQrPaymentResponse | Error): void;
  aborted: boolean;
  closed: boolean;
}

/**
 * qr-platform and checkout's CreateQrPayment as the routes see them: codes kept per merchant,
 * idempotent creates (replayed on the same key, IDEMPOTENCY_KEY_REUSED on another request), reads
 * not-found for another merchant's code like qr-platform, and WatchQrPayment as a live stream the
 * spec pushes changes into, which notes when its caller cancels it.
 */
function fakeQr() {
  const calls: { method: string; request: unknown; opts?: CallOpts }[] = [];
  const codes = new Map<string, QrCode>();
  const byKey = new Map<string, { id: string; print: string }>();
  const payments = new Map<string, QrCodePayment[]>();
  const watchers: Watcher[] = [];
  const state: { failWith: Error | null } = { failWith: null };
  let n = 0;
  const printOf = (request: object) =>
    JSON.stringify(request, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const record = (method: string, request: unknown) => {
    calls.push({ method, request });
    const failure = state.failWith;
    if (failure) {
      state.failWith = null;
      throw failure;
    }
  };
  const issue = (merchantId: string, key: string, print: string, make: (id: string) => QrCode) => {
    const known = byKey.get(`${merchantId}:${key}`);
    if (known) {
      if (known.print !== print) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'conflict', 'key reused', {
          details: { field: 'amount' },
        });
      }
      return { code: codes.get(known.id) as QrCode, replayed: true };
    }
    n += 1;
    const code = make(`qr_${n}`);
    codes.set(code.id, code);
    byKey.set(`${merchantId}:${key}`, { id: code.id, print });
    return { code, replayed: false };
  };
  const own = (id: string, merchantId: string) => {
    const code = codes.get(id);
    if (!code || (merchantId !== '' && code.merchantId !== merchantId)) throw notFound(id);
    return code;
  };
  const client: QrClient = {
    codes: {
      createQrCode: async (req: CreateQrCodeRequest) => {
        record('createQrCode', req);
        if (req.description.length > 32) {
          throw new DomainError('QR_FIELD_TOO_LONG', 'invalid', 'description is too long', {
            details: { field: 'description', max_length: '32' },
          });
        }
        const { code, replayed } = issue(req.merchantId, req.idempotencyKey, printOf(req), (id) =>
          QrCode.fromPartial({
            id,
            merchantId: req.merchantId,
            kind: req.kind,
            description: req.description,
            label: req.label,
            payload: `000201010211|${id}|6304ABCD`,
            link: `https://qr.example/pay#000201010211|${id}|6304ABCD`,
            createdAt: at,
            livemode: req.livemode,
            status: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
          }),
        );
        return { qrCode: code, replayed };
      },
      getQrCode: async (req) => {
        record('getQrCode', req);
        return { qrCode: own(req.qrCodeId, req.merchantId) };
      },
      listQrCodes: async (req) => {
        record('listQrCodes', req);
        const mine = [...codes.values()].filter(
          (c) =>
            c.merchantId === req.merchantId &&
            (req.livemode === undefined || c.livemode === req.livemode) &&
            (req.kind === QrKind.QR_KIND_UNSPECIFIED || c.kind === req.kind),
        );
        return { qrCodes: mine.reverse(), hasMore: false };
      },
      resolveQrPayload: async (req) => {
        record('resolveQrPayload', req);
        const payload = req.payload.slice(req.payload.indexOf('#') + 1);
        if (!payload.startsWith('0002')) {
          throw new DomainError('ELQR_MALFORMED', 'invalid', 'not an ELQR payload', {
            details: { field: 'payload' },
          });
        }
        const code = [...codes.values()].find((c) => c.payload === payload);
        if (!code) throw notFound('');
        return {
          qrCode: code,
          visibleFields: [{ key: '36', label: 'Касса', value: '2', title: 'Cash desk' }],
        };
      },
      listQrCodePayments: async (req) => {
        record('listQrCodePayments', req);
        own(req.qrCodeId, req.merchantId);
        return { payments: payments.get(req.qrCodeId) ?? [], hasMore: true };
      },
    },
    watchQrPayment: (request: WatchQrPaymentRequest, opts?: CallOpts) => ({
      async *[Symbol.asyncIterator]() {
        calls.push({ method: 'watchQrPayment', request, opts });
        own(request.qrCodeId, request.merchantId);
        const queue: (WatchQrPaymentResponse | Error)[] = (
          payments.get(request.qrCodeId) ?? []
        ).map((p) => ({
          payment: p,
          snapshot: true,
          codeStatus: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
        }));
        let wake: (() => void) | undefined;
        const w: Watcher = {
          request,
          aborted: false,
          closed: false,
          push(message) {
            queue.push(message);
            wake?.();
          },
        };
        watchers.push(w);
        const signal = opts?.signal;
        signal?.addEventListener('abort', () => {
          w.aborted = true;
          wake?.();
        });
        try {
          while (!signal?.aborted) {
            const next = queue.shift();
            if (next === undefined) {
              await new Promise<void>((resolve) => (wake = resolve));
              continue;
            }
            if (next instanceof Error) throw next;
            yield next;
          }
        } finally {
          w.closed = true;
        }
      },
    }),
    checkout: {
      createQrPayment: async (req: CreateQrPaymentRequest) => {
        record('createQrPayment', req);
        const p = req.payment;
        if (!p) throw new Error('no payment');
        const { code, replayed } = issue(p.merchantId, p.idempotencyKey, printOf(p), (id) =>
          QrCode.fromPartial({
            id,
            merchantId: p.merchantId,
            kind: QrKind.QR_KIND_DYNAMIC,
            amount: p.amount,
            description: p.description,
            payload: `000201010212|${id}|6304DCBA`,
            link: `https://qr.example/pay#000201010212|${id}|6304DCBA`,
            createdAt: at,
            livemode: p.livemode ?? false,
            expiresAt: req.expiresAt,
            paymentId: `pay_for_${id}`,
            status: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
          }),
        );
        return { payment: undefined, qrCodeId: code.id, replayed };
      },
    },
  };
  return { client, calls, codes, payments, watchers, state };
}

function setup(options: { rateLimits?: RateLimits; withQr?: boolean } = {}) {
  const qr = fakeQr();
  const deps = gatewayDeps({
    merchants: {
      authenticateApiKey: authenticateByKeys(
        { sk_test_one: 'mer_1', sk_test_two: 'mer_2', sk_live_one: 'mer_1' },
        { mer_1: 'Chaikhana Navat' },
      ),
      getMerchant: async (req) => {
        if (req.merchantId !== 'mer_1')
          throw new DomainError('MERCHANT_NOT_FOUND', 'not_found', 'no');
        return {
          merchant: Merchant.fromPartial({
            id: 'mer_1',
            name: 'Chaikhana Navat',
            webmoneyShopId: SHOP_SECRET,
            notificationUrl: 'https://navat.example/hook',
          }),
        };
      },
    },
    ...(options.withQr === false ? {} : { qr: qr.client }),
    sseHeartbeatMs: 40,
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  });
  return { app: buildGateway(deps), ...qr };
}

const one = { authorization: 'Bearer sk_test_one' };
const two = { authorization: 'Bearer sk_test_two' };
const live = { authorization: 'Bearer sk_live_one' };

const staticBody = { kind: 'static', description: 'Navat, Bishkek', label: 'Cash desk 2' };
const dynamicBody = {
  kind: 'dynamic',
  amount: 150_000,
  currency: 'KGS',
  order_id: 'order-77',
  description: 'Lagman x2',
  expires_in: 600,
  metadata: { table: '7' },
};

async function until(check: () => boolean, what: string, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A real HTTP request to the listening gateway whose body is read as it arrives. */
function openStream(base: string, path: string, headers: Record<string, string>) {
  const received = { text: '', ended: false };
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const req = get(`${base}${path}`, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (received.text += chunk));
      res.on('end', () => (received.ended = true));
      resolve(res);
    });
    req.on('error', reject);
    (received as { close?: () => void }).close = () => req.destroy();
  });
  return { response, received, close: () => (received as { close?: () => void }).close?.() };
}

/** The `event:`/`data:`/`id:` frames of a text/event-stream body (comments dropped). */
function framesOf(text: string): { id?: string; event?: string; data?: unknown }[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').some((l) => l.startsWith('event:')))
    .map((block) => {
      const frame: { id?: string; event?: string; data?: unknown } = {};
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) frame.id = line.slice(4);
        if (line.startsWith('event: ')) frame.event = line.slice(7);
        if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
      }
      return frame;
    });
}

describe('QR code routes', () => {
  let s: ReturnType<typeof setup>;
  let app: FastifyInstance;
  beforeEach(() => {
    s = setup();
    app = s.app;
  });
  afterEach(async () => {
    await app.close();
  });

  const create = (payload: object, headers: Record<string, string> = { 'idempotency-key': 'k1' }) =>
    app.inject({ method: 'POST', url: '/v1/qr_codes', headers: { ...one, ...headers }, payload });

  describe('POST /v1/qr_codes', () => {
    it('creates a static code through qr-platform with the key’s merchant and mode: 201, Location, the qr_code object', async () => {
      const res = await create(staticBody);
      expect(res.statusCode).toBe(201);
      expect(res.headers['location']).toBe('/v1/qr_codes/qr_1');
      expect(s.calls).toEqual([
        {
          method: 'createQrCode',
          request: {
            merchantId: 'mer_1',
            idempotencyKey: 'k1',
            kind: QrKind.QR_KIND_STATIC,
            amount: undefined,
            description: 'Navat, Bishkek',
            livemode: false,
            expiresAt: undefined,
            paymentId: '',
            label: 'Cash desk 2',
            // The payer's bank app shows the merchant the key belongs to.
            merchantDisplayName: 'Chaikhana Navat',
          },
        },
      ]);
      expect(res.json()).toEqual({
        id: 'qr_1',
        object: 'qr_code',
        kind: 'static',
        status: 'active',
        amount: null,
        currency: 'KGS',
        description: 'Navat, Bishkek',
        label: 'Cash desk 2',
        payload: '000201010211|qr_1|6304ABCD',
        link: 'https://qr.example/pay#000201010211|qr_1|6304ABCD',
        payment_id: null,
        expires_at: null,
        livemode: false,
        created: at.toISOString(),
      });
    });

    it('creates a dynamic code as a checkout QR payment (expires_in from now), then answers the code qr-platform issued', async () => {
      const before = Date.now();
      const res = await create(dynamicBody);
      expect(res.statusCode).toBe(201);
      expect(s.calls.map((c) => c.method)).toEqual(['createQrPayment', 'getQrCode']);
      const sent = s.calls[0]?.request as CreateQrPaymentRequest;
      expect(sent.payment).toMatchObject({
        merchantId: 'mer_1',
        idempotencyKey: 'k1',
        amount: { amountMinor: 150_000n, currency: 'KGS' },
        orderId: 'order-77',
        description: 'Lagman x2',
        metadata: { table: '7' },
        livemode: false,
      });
      const expiresAt = sent.expiresAt?.getTime() ?? 0;
      expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
      expect(s.calls[1]?.request).toEqual({ qrCodeId: 'qr_1', merchantId: 'mer_1' });
      expect(res.json()).toMatchObject({
        id: 'qr_1',
        kind: 'dynamic',
        status: 'active',
        amount: 150_000,
        currency: 'KGS',
        payment_id: 'pay_for_qr_1',
        expires_at: new Date(expiresAt).toISOString(),
        label: null,
        livemode: false,
      });
    });

    it('sends an expires_at instant as it is, and a live key’s mode, never the body’s', async () => {
      const { expires_in: _omit, ...body } = dynamicBody;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/qr_codes',
        headers: { ...live, 'idempotency-key': 'k-live' },
        payload: { ...body, expires_at: '2026-12-06T18:30:00+06:00' },
      });
      expect(res.statusCode).toBe(201);
      const sent = s.calls[0]?.request as CreateQrPaymentRequest;
      expect(sent.expiresAt).toEqual(new Date('2026-12-06T12:30:00.000Z'));
      expect(sent.payment?.livemode).toBe(true);
      expect(res.json()).toMatchObject({ livemode: true, expires_at: '2026-12-06T12:30:00.000Z' });
    });

    it.each([
      ['no Idempotency-Key', {}, staticBody, 'IDEMPOTENCY_KEY_REQUIRED', undefined],
      ['no kind', undefined, { description: 'x' }, 'VALIDATION_FAILED', 'kind'],
      ['an unknown kind', undefined, { kind: 'printed', amount: 1 }, 'VALIDATION_FAILED', 'kind'],
      [
        'an amount on a static code',
        undefined,
        { ...staticBody, amount: 100 },
        'VALIDATION_FAILED',
        'amount',
      ],
      [
        'a dynamic code without amount',
        undefined,
        { kind: 'dynamic', currency: 'KGS' },
        'VALIDATION_FAILED',
        'amount',
      ],
      [
        'a currency ELQR cannot carry',
        undefined,
        { ...dynamicBody, currency: 'USD' },
        'VALIDATION_FAILED',
        'currency',
      ],
      [
        'a fractional amount',
        undefined,
        { ...dynamicBody, amount: 12.5 },
        'MONEY_NOT_AN_INTEGER',
        undefined,
      ],
      ['a zero amount', undefined, { ...dynamicBody, amount: 0 }, 'MONEY_ZERO_AMOUNT', undefined],
      [
        'both expiries',
        undefined,
        { ...dynamicBody, expires_at: '2026-12-06T18:30:00Z' },
        'VALIDATION_FAILED',
        'expires_in',
      ],
      [
        'an expiry under a minute',
        undefined,
        { ...dynamicBody, expires_in: 59 },
        'VALIDATION_FAILED',
        'expires_in',
      ],
      [
        'an expiry that is not an instant',
        undefined,
        {
          ...staticBody,
          kind: 'dynamic',
          amount: 1,
          currency: 'KGS',
          label: undefined,
          expires_at: 'tomorrow',
        },
        'VALIDATION_FAILED',
        'expires_at',
      ],
      [
        'a label on a dynamic code',
        undefined,
        { ...dynamicBody, label: 'desk' },
        'VALIDATION_FAILED',
        'label',
      ],
    ])('refuses %s with 400 %s and asks no peer', async (_name, headers, body, code, field) => {
      const res = await create(body, headers ?? { 'idempotency-key': 'k-bad' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
      if (field) expect(res.json().error.details).toEqual({ field });
      expect(s.calls).toEqual([]);
    });

    it('replays a retried create from the idempotency store (one upstream call) and refuses the key with another body', async () => {
      const first = await create(dynamicBody, { 'idempotency-key': 'same' });
      const again = await create(dynamicBody, { 'idempotency-key': 'same' });
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect(s.calls.filter((c) => c.method === 'createQrPayment')).toHaveLength(1);

      const other = await create({ ...dynamicBody, amount: 99 }, { 'idempotency-key': 'same' });
      expect(other.statusCode).toBe(409);
      expect(other.json().error).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: { field: 'amount' },
      });
      const asStatic = await create(staticBody, { 'idempotency-key': 'same' });
      expect(asStatic.statusCode).toBe(409);
      expect(s.calls.filter((c) => c.method !== 'getQrCode')).toHaveLength(1);
    });

    it('answers 200 Idempotent-Replayed when qr-platform itself recognised the key (a retry that reached another replica first)', async () => {
      // Another gateway replica created it; this one has no record of the key.
      await s.client.codes.createQrCode({
        merchantId: 'mer_1',
        idempotencyKey: 'peer',
        kind: QrKind.QR_KIND_STATIC,
        amount: undefined,
        description: staticBody.description,
        livemode: false,
        expiresAt: undefined,
        paymentId: '',
        label: staticBody.label,
        merchantDisplayName: 'Chaikhana Navat',
      });
      const res = await create(staticBody, { 'idempotency-key': 'peer' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['idempotent-replayed']).toBe('true');
      expect(res.headers['location']).toBeUndefined();
      expect(res.json()).toMatchObject({ id: 'qr_1', object: 'qr_code', kind: 'static' });
    });

    it('passes the peers’ stable codes through the one error table', async () => {
      const tooLong = await create(
        { ...staticBody, description: 'd'.repeat(40) },
        { 'idempotency-key': 'long' },
      );
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().error).toMatchObject({
        code: 'QR_FIELD_TOO_LONG',
        details: { field: 'description', max_length: '32' },
      });

      s.state.failWith = new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'checkout down');
      const down = await create(dynamicBody, { 'idempotency-key': 'down' });
      expect(down.statusCode).toBe(503);
      expect(down.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
      // The stored 5xx is replayed: a retry never creates a second payment behind the merchant's back.
      const retry = await create(dynamicBody, { 'idempotency-key': 'down' });
      expect(retry.statusCode).toBe(503);
      expect(retry.headers['idempotent-replayed']).toBe('true');

      s.state.failWith = new DomainError('PAYMENT_METHOD_NOT_ENABLED', 'precondition', 'qr is off');
      const off = await create(dynamicBody, { 'idempotency-key': 'off' });
      expect(off.statusCode).toBe(422);
      expect(off.json().error.code).toBe('PAYMENT_METHOD_NOT_ENABLED');
    });

    it('refuses a request without a valid API key before anything else', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/qr_codes',
        headers: { authorization: 'Bearer sk_nope', 'idempotency-key': 'k' },
        payload: staticBody,
      });
      expect(res.statusCode).toBe(401);
      expect(s.calls).toEqual([]);
    });
  });

  describe('reads', () => {
    beforeEach(async () => {
      await create(staticBody, { 'idempotency-key': 's1' }); // qr_1, test
      await create(dynamicBody, { 'idempotency-key': 'd1' }); // qr_2, test
      await app.inject({
        method: 'POST',
        url: '/v1/qr_codes',
        headers: { ...live, 'idempotency-key': 'l1' },
        payload: staticBody,
      }); // qr_3, live
      s.payments.set('qr_1', [
        QrCodePayment.fromPartial({
          qrCodeId: 'qr_1',
          paymentId: 'pay_s2',
          status: 'succeeded',
          amount: { amountMinor: 25_000n, currency: 'KGS' },
          payerBank: 'qrbank',
          sequence: 3n,
          createdAt: at,
          updatedAt: new Date('2026-12-06T10:05:00.000Z'),
        }),
        QrCodePayment.fromPartial({
          qrCodeId: 'qr_1',
          paymentId: 'pay_s1',
          status: 'pending',
          amount: { amountMinor: 10_000n, currency: 'KGS' },
          sequence: 1n,
          createdAt: at,
        }),
      ]);
      s.calls.length = 0;
    });

    it('GET /v1/qr_codes/:id answers the code with the status qr-platform derived (paid, expired)', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/qr_codes/qr_2', headers: one });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: 'qr_2', kind: 'dynamic', status: 'active' });
      expect(s.calls).toEqual([
        { method: 'getQrCode', request: { qrCodeId: 'qr_2', merchantId: 'mer_1' } },
      ]);

      const code = s.codes.get('qr_2') as QrCode;
      s.codes.set('qr_2', { ...code, status: QrCodeStatus.QR_CODE_STATUS_PAID });
      const paid = await app.inject({ method: 'GET', url: '/v1/qr_codes/qr_2', headers: one });
      expect(paid.json().status).toBe('paid');
      s.codes.set('qr_2', { ...code, status: QrCodeStatus.QR_CODE_STATUS_EXPIRED });
      const expired = await app.inject({ method: 'GET', url: '/v1/qr_codes/qr_2', headers: one });
      expect(expired.json().status).toBe('expired');
    });

    it.each([
      ['another merchant’s code', two, 'qr_1'],
      ['a live code to a test key', one, 'qr_3'],
      ['a test code to a live key', live, 'qr_1'],
      ['an unknown code', one, 'qr_404'],
    ])('answers 404 QR_CODE_NOT_FOUND for %s, on every read', async (_name, headers, id) => {
      for (const suffix of ['', '/payments', '/events']) {
        const res = await app.inject({
          method: 'GET',
          url: `/v1/qr_codes/${id}${suffix}`,
          headers,
        });
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe('QR_CODE_NOT_FOUND');
      }
      expect(s.calls.some((c) => c.method !== 'getQrCode')).toBe(false);
    });

    it('GET /v1/qr_codes lists the key’s merchant and mode, filtered by kind and paged', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/qr_codes?limit=5&kind=static&starting_after=qr_9',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(s.calls).toEqual([
        {
          method: 'listQrCodes',
          request: {
            merchantId: 'mer_1',
            limit: 5,
            startingAfter: 'qr_9',
            kind: QrKind.QR_KIND_STATIC,
            livemode: false,
          },
        },
      ]);
      expect(res.json()).toMatchObject({ object: 'list', url: '/v1/qr_codes', has_more: false });
      expect(res.json().data.map((c: { id: string }) => c.id)).toEqual(['qr_1']);

      const all = await app.inject({ method: 'GET', url: '/v1/qr_codes', headers: live });
      expect(all.json().data.map((c: { id: string }) => c.id)).toEqual(['qr_3']);
      expect(s.calls[1]?.request).toMatchObject({
        limit: 10,
        kind: QrKind.QR_KIND_UNSPECIFIED,
        livemode: true,
      });

      for (const query of [
        'limit=0',
        'limit=101',
        'kind=printed',
        'starting_after=a%20b',
        'status=paid',
      ]) {
        const bad = await app.inject({ method: 'GET', url: `/v1/qr_codes?${query}`, headers: one });
        expect(bad.statusCode, query).toBe(400);
        expect(bad.json().error.code).toBe('VALIDATION_FAILED');
      }
    });

    it('GET /v1/qr_codes/:id/payments pages the code’s payments for polling', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/qr_codes/qr_1/payments?limit=2&starting_after=pay_s0',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      expect(s.calls[1]).toEqual({
        method: 'listQrCodePayments',
        request: { qrCodeId: 'qr_1', merchantId: 'mer_1', limit: 2, startingAfter: 'pay_s0' },
      });
      expect(res.json()).toEqual({
        object: 'list',
        url: '/v1/qr_codes/qr_1/payments',
        has_more: true,
        data: [
          {
            object: 'qr_payment',
            qr_code_id: 'qr_1',
            payment_id: 'pay_s2',
            status: 'succeeded',
            amount: 25_000,
            currency: 'KGS',
            payer_bank: 'qrbank',
            updated: '2026-12-06T10:05:00.000Z',
          },
          {
            object: 'qr_payment',
            qr_code_id: 'qr_1',
            payment_id: 'pay_s1',
            status: 'pending',
            amount: 10_000,
            currency: 'KGS',
            payer_bank: null,
            updated: at.toISOString(),
          },
        ],
      });
    });
  });

  describe('GET /v1/qr_codes/:id/events (server-sent events)', () => {
    let base: string;
    beforeEach(async () => {
      await create(dynamicBody, { 'idempotency-key': 'd1' }); // qr_1
      s.payments.set('qr_1', [change('qr_1', 'pending', 1n, true).payment as QrCodePayment]);
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });

    it('streams the snapshot then each change as `event: qr_payment` frames with an id, with heartbeats, over real HTTP', async () => {
      const stream = openStream(base, '/v1/qr_codes/qr_1/events', one);
      const res = await stream.response;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache, no-transform');
      await until(() => framesOf(stream.received.text).length === 1, 'the snapshot');
      expect(s.watchers[0]?.request).toEqual({ qrCodeId: 'qr_1', merchantId: 'mer_1' });

      s.watchers[0]?.push(change('qr_1', 'succeeded', 4n, false, QrCodeStatus.QR_CODE_STATUS_PAID));
      await until(() => framesOf(stream.received.text).length === 2, 'the change');
      await until(() => stream.received.text.includes(': heartbeat\n\n'), 'a heartbeat');
      expect(stream.received.text.startsWith('retry: 3000\n\n')).toBe(true);
      expect(framesOf(stream.received.text)).toEqual([
        {
          id: 'pay_q1:1',
          event: 'qr_payment',
          data: {
            object: 'qr_payment',
            qr_code_id: 'qr_1',
            payment_id: 'pay_q1',
            status: 'pending',
            amount: 150_000,
            currency: 'KGS',
            payer_bank: null,
            updated: '2026-12-06T10:00:01.000Z',
            snapshot: true,
            qr_code_status: 'active',
          },
        },
        {
          id: 'pay_q1:4',
          event: 'qr_payment',
          data: {
            object: 'qr_payment',
            qr_code_id: 'qr_1',
            payment_id: 'pay_q1',
            status: 'succeeded',
            amount: 150_000,
            currency: 'KGS',
            payer_bank: 'qrbank',
            updated: '2026-12-06T10:00:04.000Z',
            snapshot: false,
            qr_code_status: 'paid',
          },
        },
      ]);
      stream.close();
    });

    it('cancels the WatchQrPayment stream as soon as the client disconnects', async () => {
      const stream = openStream(base, '/v1/qr_codes/qr_1/events', one);
      await stream.response;
      await until(() => framesOf(stream.received.text).length === 1, 'the snapshot');
      const watcher = s.watchers[0] as Watcher;
      expect(watcher.aborted).toBe(false);
      stream.close();
      // No message is pending upstream: only the abort signal can end the call now.
      await until(() => watcher.aborted && watcher.closed, 'the upstream stream to close');
    });

    it('ends the stream quietly when the gRPC stream reaches its deadline (the client reconnects)', async () => {
      const stream = openStream(base, '/v1/qr_codes/qr_1/events', one);
      await stream.response;
      await until(() => framesOf(stream.received.text).length === 1, 'the snapshot');
      s.watchers[0]?.push(new DomainError('UPSTREAM_TIMEOUT', 'timeout', 'deadline exceeded'));
      await until(() => stream.received.ended, 'the end of the stream');
      expect(framesOf(stream.received.text).map((f) => f.event)).toEqual(['qr_payment']);
      expect(s.calls.find((c) => c.method === 'watchQrPayment')?.opts).toMatchObject({
        deadlineMs: 600_000,
      });
    });

    it('HEAD opens no lasting upstream stream', async () => {
      const res = await app.inject({
        method: 'HEAD',
        url: '/v1/qr_codes/qr_1/events',
        headers: one,
      });
      expect(res.statusCode).toBe(200);
      await until(
        () => s.watchers.length === 1 && s.watchers.every((w) => w.closed),
        'upstream closed',
      );
    });

    it('ends the stream with `event: error` when qr-platform fails mid-stream', async () => {
      const stream = openStream(base, '/v1/qr_codes/qr_1/events', one);
      await stream.response;
      await until(() => framesOf(stream.received.text).length === 1, 'the snapshot');
      s.watchers[0]?.push(
        new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'qr-platform went away'),
      );
      await until(() => stream.received.ended, 'the end of the stream');
      const last = framesOf(stream.received.text).at(-1);
      expect(last?.event).toBe('error');
      expect(last?.data).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    });

    it('ends open streams when the gateway closes, so shutdown does not wait on them', async () => {
      const stream = openStream(base, '/v1/qr_codes/qr_1/events', one);
      await stream.response;
      await until(() => framesOf(stream.received.text).length === 1, 'the snapshot');
      await app.close();
      await until(() => stream.received.ended, 'the end of the stream');
      expect(s.watchers[0]?.aborted).toBe(true);
    });
  });

  describe('GET /qr/v1/details (payers’ banks)', () => {
    let payload: string;
    beforeEach(async () => {
      const res = await create(dynamicBody, { 'idempotency-key': 'd1' });
      payload = res.json().payload;
      s.calls.length = 0;
    });

    it('answers the qr_details JSON without an API key: the merchant’s name and the code’s public facts only', async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/qr/v1/details?payload=${encodeURIComponent(payload)}`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(s.calls).toEqual([{ method: 'resolveQrPayload', request: { payload } }]);
      const code = s.codes.get('qr_1') as QrCode;
      expect(res.json()).toEqual({
        object: 'qr_details',
        qr_code_id: 'qr_1',
        kind: 'dynamic',
        status: 'active',
        merchant_name: 'Chaikhana Navat',
        amount: 150_000,
        currency: 'KGS',
        description: 'Lagman x2',
        label: null,
        expires_at: code.expiresAt?.toISOString(),
        visible_fields: [{ key: '36', label: 'Касса', value: '2', title: 'Cash desk' }],
      });
      for (const secret of [SHOP_SECRET, 'mer_1', 'pay_for_qr_1', 'navat.example', 'livemode']) {
        expect(res.body).not.toContain(secret);
      }
    });

    it('takes the payment link as well (the part after # is the payload)', async () => {
      const link = (s.codes.get('qr_1') as QrCode).link;
      const res = await app.inject({
        method: 'GET',
        url: `/qr/v1/details?payload=${encodeURIComponent(link)}`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().qr_code_id).toBe('qr_1');
    });

    it.each([
      ['a payload Tolem did not issue', '000201010212|qr_x|6304FFFF', 404, 'QR_CODE_NOT_FOUND'],
      ['a malformed payload', 'hello', 400, 'ELQR_MALFORMED'],
      ['no payload', undefined, 400, 'VALIDATION_FAILED'],
    ])('refuses %s in the one error shape', async (_name, value, status, code) => {
      const url =
        value === undefined
          ? '/qr/v1/details'
          : `/qr/v1/details?payload=${encodeURIComponent(value)}`;
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toMatchObject({ code });
    });

    it('limits each client IP with the gateway’s rate limiter (429 RATE_LIMITED, Retry-After)', async () => {
      const limited = setup({
        rateLimits: {
          pages: { max: 100, windowMs: 60_000 },
          callbacks: { max: 100, windowMs: 60_000 },
          qrDetails: { max: 2, windowMs: 60_000 },
        },
      });
      const url = '/qr/v1/details?payload=hello';
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await limited.app.inject({ method: 'GET', url }));
      expect(answers.map((r) => r.statusCode)).toEqual([400, 400, 429]);
      expect(answers[2]?.json().error.code).toBe('RATE_LIMITED');
      expect(answers[2]?.headers['retry-after']).toBeDefined();
      // Another client IP has its own allowance.
      const other = await limited.app.inject({ method: 'GET', url, remoteAddress: '10.0.0.9' });
      expect(other.statusCode).toBe(400);
      await limited.app.close();
    });
  });

  it('serves no QR route when the gateway has no qr-platform client', async () => {
    const bare = setup({ withQr: false });
    for (const [method, url] of [
      ['POST', '/v1/qr_codes'],
      ['GET', '/v1/qr_codes/qr_1'],
      ['GET', '/qr/v1/details?payload=x'],
    ] as const) {
      const res = await bare.app.inject({
        method,
        url,
        headers: { ...one, 'idempotency-key': 'k' },
        ...(method === 'POST' ? { payload: staticBody } : {}),
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    }
    await bare.app.close();
  });
});
