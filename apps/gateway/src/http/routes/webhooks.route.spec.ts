import {
  AckMode,
  BodyFormat,
  Delivery,
  DeliveryStatus,
  EndpointStatus,
  WebhookEndpoint,
} from '@tolem/contracts/notifier';
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
import type { WebhooksClient } from './webhooks.route';

const at = new Date('2026-12-08T10:00:00.000Z');
const SECRET = 'whsec_c2VjcmV0LW9mLXRoZS1lbmRwb2ludC0wMTIzNDU2Nzg5';

/**
 * A notifier double that keeps endpoints and deliveries per merchant and, like the notifier,
 * answers not-found for another merchant's ids: the routes must always send the API key's merchant.
 */
function fakeNotifier() {
  const calls: { method: string; request: Record<string, unknown> }[] = [];
  const rotationKeys = new Set<string>();
  const endpoints = new Map<string, WebhookEndpoint>();
  const deliveries = new Map<string, Delivery>();
  const notFound = () =>
    new DomainError('NOTIFIER_ENDPOINT_NOT_FOUND', 'not_found', 'no such endpoint');
  // Like the notifier, a request that names a mode reaches only that mode's objects.
  const own = (merchantId: string, id: string, livemode?: boolean) => {
    const e = endpoints.get(id);
    if (!e || e.merchantId !== merchantId) throw notFound();
    if (livemode !== undefined && e.livemode !== livemode) throw notFound();
    return e;
  };
  const ownDelivery = (merchantId: string, id: string, livemode?: boolean) => {
    const d = deliveries.get(id);
    if (!d || d.merchantId !== merchantId || (livemode !== undefined && d.livemode !== livemode)) {
      throw new DomainError('NOTIFIER_DELIVERY_NOT_FOUND', 'not_found', 'no such delivery');
    }
    return d;
  };
  const record = (method: string, request: object) =>
    calls.push({ method, request: request as Record<string, unknown> });
  let n = 0;
  const client: WebhooksClient = {
    createEndpoint: async (req) => {
      record('createEndpoint', req);
      if (req.eventTypes.includes('payment.nope')) {
        throw new DomainError('NOTIFIER_INVALID_ENDPOINT', 'invalid', 'unknown event type', {
          details: { field: 'event_types' },
        });
      }
      n += 1;
      const e = WebhookEndpoint.fromPartial({
        id: `we_${n}`,
        merchantId: req.merchantId,
        url: req.url,
        description: req.description,
        eventTypes: req.eventTypes,
        format: req.format || BodyFormat.BODY_FORMAT_JSON,
        ack: req.ack || AckMode.ACK_MODE_OK_LOWER,
        status: EndpointStatus.ENDPOINT_STATUS_ENABLED,
        maxInFlight: req.maxInFlight || 4,
        livemode: req.livemode ?? true,
        createdAt: at,
        updatedAt: at,
      });
      endpoints.set(e.id, e);
      return { endpoint: e, signingSecret: SECRET, replayed: false };
    },
    getEndpoint: async (req) => {
      record('getEndpoint', req);
      return { endpoint: own(req.merchantId, req.endpointId, req.livemode) };
    },
    listEndpoints: async (req) => {
      record('listEndpoints', req);
      return {
        endpoints: [...endpoints.values()].filter(
          (e) =>
            e.merchantId === req.merchantId &&
            (req.livemode === undefined || e.livemode === req.livemode),
        ),
      };
    },
    updateEndpoint: async (req) => {
      record('updateEndpoint', req);
      const e = own(req.merchantId, req.endpointId, req.livemode);
      const next = {
        ...e,
        ...(req.url !== undefined ? { url: req.url } : {}),
        ...(req.setEventTypes ? { eventTypes: req.eventTypes } : {}),
        ...(req.format ? { format: req.format } : {}),
      };
      endpoints.set(e.id, next);
      return { endpoint: next };
    },
    deleteEndpoint: async (req) => {
      record('deleteEndpoint', req);
      own(req.merchantId, req.endpointId, req.livemode);
      endpoints.delete(req.endpointId);
      return { endpointId: req.endpointId, canceledDeliveries: 2 };
    },
    enableEndpoint: async (req) => {
      record('enableEndpoint', req);
      return { endpoint: own(req.merchantId, req.endpointId, req.livemode) };
    },
    disableEndpoint: async (req) => {
      record('disableEndpoint', req);
      const e = {
        ...own(req.merchantId, req.endpointId, req.livemode),
        status: EndpointStatus.ENDPOINT_STATUS_DISABLED,
        disabledReason: 'merchant',
        disabledAt: at,
      };
      endpoints.set(e.id, e);
      return { endpoint: e };
    },
    rotateEndpointSecret: async (req) => {
      record('rotateEndpointSecret', req);
      const e = {
        ...own(req.merchantId, req.endpointId, req.livemode),
        previousSecretExpiresAt: at,
      };
      const replayed = rotationKeys.has(req.idempotencyKey);
      rotationKeys.add(req.idempotencyKey);
      return { endpoint: e, signingSecret: `${SECRET}x`, replayed };
    },
    recoverEndpoint: async (req) => {
      record('recoverEndpoint', req);
      own(req.merchantId, req.endpointId, req.livemode);
      return { recovered: 3 };
    },
    listDeliveries: async (req) => {
      record('listDeliveries', req);
      return {
        deliveries: [...deliveries.values()].filter(
          (d) =>
            d.merchantId === req.merchantId &&
            (req.livemode === undefined || d.livemode === req.livemode),
        ),
        nextPageToken: req.pageToken ? '' : 'ZGx2MTpkbHZfMQ',
      };
    },
    getDelivery: async (req) => {
      record('getDelivery', req);
      return {
        delivery: ownDelivery(req.merchantId, req.deliveryId, req.livemode),
        attempts: [
          {
            attemptedAt: at,
            url: 'https://a.example/hook',
            statusCode: 500,
            error: 'HTTP 500',
            durationMs: 31,
            responseExcerpt: 'oops',
          },
          {
            attemptedAt: at,
            url: 'https://a.example/hook',
            statusCode: 0,
            error: 'timeout',
            durationMs: 10000,
            responseExcerpt: '',
          },
        ],
      };
    },
    redeliverDelivery: async (req) => {
      record('redeliverDelivery', req);
      const d = {
        ...ownDelivery(req.merchantId, req.deliveryId, req.livemode),
        status: DeliveryStatus.DELIVERY_STATUS_PENDING,
      };
      return { delivery: d };
    },
  };
  deliveries.set(
    'dlv_1',
    Delivery.fromPartial({
      id: 'dlv_1',
      eventId: 'evt_1',
      eventType: 'payment.succeeded',
      paymentId: 'pay_1',
      merchantId: 'mer_a',
      endpointId: 'we_x',
      url: 'https://a.example/hook',
      status: DeliveryStatus.DELIVERY_STATUS_EXHAUSTED,
      attempts: 9,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      createdAt: at,
    }),
  );
  return { client, calls };
}

function setup() {
  const notifier = fakeNotifier();
  const merchants: Record<string, string> = {
    sk_test_a: 'mer_a',
    sk_test_b: 'mer_b',
    sk_live_a: 'mer_a',
  };
  const { log, lines } = capturingLogger();
  const store = createMemoryIdempotencyStore();
  const deps = gatewayDeps({
    merchants: { authenticateApiKey: authenticateByKeys(merchants) },
    webhooks: notifier.client,
    idempotency: { store: store },
    log,
  });
  return { app: buildGateway(deps), calls: notifier.calls, lines, store };
}

const asA = { authorization: 'Bearer sk_test_a' };
const asB = { authorization: 'Bearer sk_test_b' };
let keyN = 0;
const idem = () => ({ 'idempotency-key': `k-${(keyN += 1)}` });

describe('webhook routes', () => {
  let s: ReturnType<typeof setup>;
  let app: FastifyInstance;
  beforeEach(() => {
    s = setup();
    app = s.app;
  });
  afterEach(async () => {
    await app.close();
  });

  const createAsA = async (payload: Record<string, unknown> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: { ...asA, ...idem() },
      payload: { url: 'https://a.example/hook', ...payload },
    });

  it('creates an endpoint for the key’s merchant: 201, its secret once, the key passed on', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: { ...asA, 'idempotency-key': 'create-1' },
      payload: {
        url: 'https://a.example/hook',
        description: 'ERP',
        event_types: ['payment.succeeded'],
        format: 'form',
        ack: 'OK_ORDER',
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['location']).toBe('/v1/webhook_endpoints/we_1');
    expect(res.json()).toEqual({
      id: 'we_1',
      object: 'webhook_endpoint',
      url: 'https://a.example/hook',
      description: 'ERP',
      event_types: ['payment.succeeded'],
      format: 'form',
      ack: 'OK_ORDER',
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
      is_default: false,
      livemode: false,
      max_in_flight: 4,
      previous_secret_expires_at: null,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
      secret: SECRET,
    });
    expect(s.calls[0]).toEqual({
      method: 'createEndpoint',
      request: {
        merchantId: 'mer_a',
        url: 'https://a.example/hook',
        description: 'ERP',
        eventTypes: ['payment.succeeded'],
        format: BodyFormat.BODY_FORMAT_FORM,
        ack: AckMode.ACK_MODE_OK_ORDER,
        maxInFlight: 0,
        idempotencyKey: 'create-1',
        livemode: false,
      },
    });
    expect(s.lines.join('')).not.toContain(SECRET);
  });

  it('takes event types with more than one dot (recurring.charge.succeeded) to the notifier', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: { ...asA, 'idempotency-key': 'create-recurring' },
      payload: {
        url: 'https://a.example/hook',
        event_types: ['recurring.charge.succeeded', 'recurring.operation.canceled'],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(s.calls[0]).toMatchObject({
      method: 'createEndpoint',
      request: { eventTypes: ['recurring.charge.succeeded', 'recurring.operation.canceled'] },
    });
  });

  it('refuses a create without Idempotency-Key, with a bad URL, format or ack, or extra fields', async () => {
    const noKey = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: asA,
      payload: { url: 'https://a.example/hook' },
    });
    expect(noKey.json().error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    for (const payload of [
      { url: 'ftp://a.example' },
      { url: 'https://a.example', format: 'xml' },
      { url: 'https://a.example', ack: 'okay' },
      { url: 'https://a.example', secret: 'mine' },
    ]) {
      const res = await createAsA(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect(s.calls).toEqual([]);
  });

  it('passes the notifier’s refusal through with its code and field', async () => {
    const res = await createAsA({ event_types: ['payment.nope'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'NOTIFIER_INVALID_ENDPOINT',
      details: { field: 'event_types' },
    });
  });

  it('never shows, changes or deletes another merchant’s endpoint', async () => {
    await createAsA();
    const attempts = [
      { method: 'GET' as const, url: '/v1/webhook_endpoints/we_1' },
      { method: 'POST' as const, url: '/v1/webhook_endpoints/we_1', payload: { format: 'json' } },
      { method: 'DELETE' as const, url: '/v1/webhook_endpoints/we_1' },
      { method: 'POST' as const, url: '/v1/webhook_endpoints/we_1/disable' },
      { method: 'POST' as const, url: '/v1/webhook_endpoints/we_1/enable' },
      { method: 'POST' as const, url: '/v1/webhook_endpoints/we_1/rotate_secret' },
      {
        method: 'POST' as const,
        url: '/v1/webhook_endpoints/we_1/recover',
        payload: { since: at.toISOString() },
      },
    ];
    for (const a of attempts) {
      const res = await app.inject({ ...a, headers: { ...asB, ...idem() } });
      expect(res.statusCode, `${a.method} ${a.url}`).toBe(404);
      expect(res.json().error.code).toBe('NOTIFIER_ENDPOINT_NOT_FOUND');
    }
    const list = await app.inject({ method: 'GET', url: '/v1/webhook_endpoints', headers: asB });
    expect(list.json()).toEqual({
      object: 'list',
      url: '/v1/webhook_endpoints',
      data: [],
      has_more: false,
      next_cursor: null,
    });
    const deliveries = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries',
      headers: asB,
    });
    expect(deliveries.json().data).toEqual([]);
    for (const url of ['/v1/webhook_deliveries/dlv_1', '/v1/webhook_deliveries/dlv_1/redeliver']) {
      const res = await app.inject({
        method: url.endsWith('redeliver') ? 'POST' : 'GET',
        url,
        headers: { ...asB, ...idem() },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOTIFIER_DELIVERY_NOT_FOUND');
    }
    // Every call named B's merchant, whatever the path said.
    expect(
      s.calls
        .filter((c) => c.method !== 'createEndpoint')
        .every((c) => c.request['merchantId'] === 'mer_b'),
    ).toBe(true);
    expect(
      (await app.inject({ method: 'GET', url: '/v1/webhook_endpoints/we_1', headers: asA }))
        .statusCode,
    ).toBe(200);
  });

  it("scopes every call to the key's mode: a live key never sees a test endpoint or delivery", async () => {
    const asALive = { authorization: 'Bearer sk_live_a' };
    const created = await createAsA();
    expect(created.json()).toMatchObject({ livemode: false });
    const id = (created.json() as { id: string }).id;
    const live = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: { ...asALive, ...idem() },
      payload: { url: 'https://a.example/live' },
    });
    expect(live.json()).toMatchObject({ livemode: true });
    const listed = (headers: Record<string, string>) =>
      app
        .inject({ method: 'GET', url: '/v1/webhook_endpoints', headers })
        .then((r) => (r.json() as { data: { id: string }[] }).data.map((e) => e.id));
    expect(await listed(asA)).toEqual([id]);
    expect(await listed(asALive)).toEqual([(live.json() as { id: string }).id]);
    for (const [method, url] of [
      ['GET', `/v1/webhook_endpoints/${id}`],
      ['POST', `/v1/webhook_endpoints/${id}`],
      ['POST', `/v1/webhook_endpoints/${id}/disable`],
      ['DELETE', `/v1/webhook_endpoints/${id}`],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: { ...asALive, ...idem() },
        ...(method === 'POST' && !url.endsWith('disable') ? { payload: { description: 'x' } } : {}),
      });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
    // dlv_1 is a test delivery (an event without a mode counts as test).
    const asLive = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries/dlv_1',
      headers: asALive,
    });
    expect(asLive.statusCode).toBe(404);
    const deliveries = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries',
      headers: asALive,
    });
    expect(deliveries.json()).toMatchObject({ data: [] });
    const asTest = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries/dlv_1',
      headers: asA,
    });
    expect(asTest.json()).toMatchObject({ id: 'dlv_1', livemode: false });
  });

  it('asks for a key and refuses an unknown one', async () => {
    const none = await app.inject({ method: 'GET', url: '/v1/webhook_endpoints' });
    expect(none.statusCode).toBe(401);
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries',
      headers: { authorization: 'Bearer sk_test_nope' },
    });
    expect(bad.statusCode).toBe(401);
  });

  it('updates only what is sent, and a subscription set to [] means every type', async () => {
    await createAsA({ event_types: ['payment.failed'] });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1',
      headers: { ...asA, ...idem() },
      payload: { url: 'https://moved.example/hook', event_types: [] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ url: 'https://moved.example/hook', event_types: [] });
    expect(s.calls.at(-1)?.request).toMatchObject({
      merchantId: 'mer_a',
      endpointId: 'we_1',
      url: 'https://moved.example/hook',
      setEventTypes: true,
      eventTypes: [],
      format: BodyFormat.BODY_FORMAT_UNSPECIFIED,
    });
    const empty = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1',
      headers: { ...asA, ...idem() },
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
  });

  it('disables, rotates (secret in the answer), recovers and deletes', async () => {
    await createAsA();
    const disabled = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/disable',
      headers: { ...asA, ...idem() },
    });
    expect(disabled.json()).toMatchObject({
      status: 'disabled',
      disabled_reason: 'merchant',
      disabled_at: at.toISOString(),
    });
    const rotated = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/rotate_secret',
      headers: { ...asA, ...idem() },
      payload: { overlap_seconds: 3600 },
    });
    expect(rotated.json()).toMatchObject({
      secret: `${SECRET}x`,
      previous_secret_expires_at: at.toISOString(),
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.headers['idempotent-replayed']).toBeUndefined();
    const rotateKey = s.calls.at(-1)?.request as { idempotencyKey: string };
    expect(rotateKey).toMatchObject({ overlapSeconds: 3600, idempotencyKey: expect.any(String) });
    // The notifier answers a retried rotation from its own record; the gateway says so.
    const retried = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/rotate_secret',
      headers: { ...asA, 'idempotency-key': rotateKey.idempotencyKey },
      payload: { overlap_seconds: 3600 },
    });
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.json()).toMatchObject({ secret: `${SECRET}x` });
    const calls = s.calls.length;
    const keyless = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/rotate_secret',
      headers: asA,
      payload: { overlap_seconds: 3600 },
    });
    expect(keyless.statusCode).toBe(400);
    expect(keyless.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
    expect(s.calls.length).toBe(calls);
    const recovered = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/recover',
      headers: { ...asA, ...idem() },
      payload: { since: '2026-12-01T00:00:00Z' },
    });
    expect(recovered.json()).toEqual({
      object: 'webhook_recovery',
      endpoint: 'we_1',
      since: '2026-12-01T00:00:00.000Z',
      recovered: 3,
    });
    const badSince = await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/recover',
      headers: { ...asA, ...idem() },
      payload: { since: 'yesterday' },
    });
    expect(badSince.statusCode).toBe(400);
    const deleted = await app.inject({
      method: 'DELETE',
      url: '/v1/webhook_endpoints/we_1',
      headers: asA,
    });
    expect(deleted.json()).toEqual({
      id: 'we_1',
      object: 'webhook_endpoint',
      deleted: true,
      canceled_deliveries: 2,
    });
  });

  it('replays a retried recover or redeliver from the idempotency store; another since is 409', async () => {
    await createAsA();
    const recover = (since: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/webhook_endpoints/we_1/recover',
        headers: { ...asA, 'idempotency-key': 'rec-1' },
        payload: { since },
      });
    const first = await recover('2026-12-01T00:00:00Z');
    expect(first.statusCode).toBe(200);
    const again = await recover('2026-12-01T00:00:00Z');
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await recover('2026-12-02T00:00:00Z');
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'since' },
    });
    expect(s.calls.filter((c) => c.method === 'recoverEndpoint')).toHaveLength(1);

    const redeliver = () =>
      app.inject({
        method: 'POST',
        url: '/v1/webhook_deliveries/dlv_1/redeliver',
        headers: { ...asA, 'idempotency-key': 'red-1' },
      });
    expect((await redeliver()).statusCode).toBe(200);
    const replayed = await redeliver();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toMatchObject({ id: 'dlv_1', status: 'pending' });
    expect(s.calls.filter((c) => c.method === 'redeliverDelivery')).toHaveLength(1);
  });

  it('keeps no answer with a signing secret in the idempotency store', async () => {
    const headers = { ...asA, 'idempotency-key': 'secret-1' };
    for (let i = 0; i < 2; i += 1) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/webhook_endpoints',
        headers,
        payload: { url: 'https://a.example/hook' },
      });
      expect(created.json().secret).toBe(SECRET);
      expect(created.headers['idempotent-replayed']).toBeUndefined();
    }
    // Each retry reached the notifier with the key: its own record of the key answers it.
    expect(
      s.calls.filter((c) => c.method === 'createEndpoint').map((c) => c.request['idempotencyKey']),
    ).toEqual(['secret-1', 'secret-1']);
    const rotate = { ...asA, 'idempotency-key': 'rotate-1' };
    for (let i = 0; i < 2; i += 1) {
      const rotated = await app.inject({
        method: 'POST',
        url: '/v1/webhook_endpoints/we_1/rotate_secret',
        headers: rotate,
        payload: {},
      });
      expect(rotated.json().secret).toBe(`${SECRET}x`);
    }
    expect(s.calls.filter((c) => c.method === 'rotateEndpointSecret')).toHaveLength(2);
    expect(s.store.rows.size).toBe(0);
    // The same merchant's other POSTs are stored: the scope reaches the store.
    await app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints/we_1/disable',
      headers: { ...asA, 'idempotency-key': 'dis-1' },
    });
    expect([...s.store.rows.keys()]).toEqual([JSON.stringify(['merchant:mer_a', 'dis-1'])]);
    expect(JSON.stringify([...s.store.rows.values()])).not.toContain(SECRET);
  });

  it('lists deliveries with filters and a next cursor, and shows one with its attempts', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries?endpoint=we_x&payment=pay_1&status=failed&limit=10',
      headers: asA,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      object: 'list',
      url: '/v1/webhook_deliveries',
      has_more: true,
      next_cursor: 'ZGx2MTpkbHZfMQ',
    });
    expect(body.data[0]).toMatchObject({
      id: 'dlv_1',
      object: 'webhook_delivery',
      endpoint: 'we_x',
      payment: 'pay_1',
      status: 'failed',
      attempt_count: 9,
      last_status_code: 500,
    });
    expect(s.calls.at(-1)?.request).toEqual({
      merchantId: 'mer_a',
      endpointId: 'we_x',
      paymentId: 'pay_1',
      status: DeliveryStatus.DELIVERY_STATUS_EXHAUSTED,
      pageSize: 10,
      pageToken: '',
      livemode: false,
    });
    const next = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries?cursor=ZGx2MTpkbHZfMQ',
      headers: asA,
    });
    expect(s.calls.at(-1)?.request['pageToken']).toBe('ZGx2MTpkbHZfMQ');
    expect(next.json()).toMatchObject({ has_more: false, next_cursor: null });
    // The old name is gone, not silently ignored: it would restart from the first page.
    const old = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries?page=ZGx2MTpkbHZfMQ',
      headers: asA,
    });
    expect(old.statusCode).toBe(400);
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries?status=exhausted',
      headers: asA,
    });
    expect(bad.statusCode).toBe(400);

    const one = await app.inject({
      method: 'GET',
      url: '/v1/webhook_deliveries/dlv_1',
      headers: asA,
    });
    expect(one.json().attempts).toEqual([
      {
        attempted_at: at.toISOString(),
        url: 'https://a.example/hook',
        status_code: 500,
        error: 'HTTP 500',
        duration_ms: 31,
        response_excerpt: 'oops',
      },
      {
        attempted_at: at.toISOString(),
        url: 'https://a.example/hook',
        status_code: null,
        error: 'timeout',
        duration_ms: 10000,
        response_excerpt: '',
      },
    ]);
    const redelivered = await app.inject({
      method: 'POST',
      url: '/v1/webhook_deliveries/dlv_1/redeliver',
      headers: { ...asA, ...idem() },
    });
    expect(redelivered.json()).toMatchObject({ id: 'dlv_1', status: 'pending' });
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    expect(
      Object.keys(doc.paths)
        .filter((p) => p.includes('webhook'))
        .sort(),
    ).toEqual([
      '/v1/webhook_deliveries',
      '/v1/webhook_deliveries/{id}',
      '/v1/webhook_deliveries/{id}/redeliver',
      '/v1/webhook_endpoints',
      '/v1/webhook_endpoints/{id}',
      '/v1/webhook_endpoints/{id}/disable',
      '/v1/webhook_endpoints/{id}/enable',
      '/v1/webhook_endpoints/{id}/recover',
      '/v1/webhook_endpoints/{id}/rotate_secret',
    ]);
    expect(doc.paths['/v1/webhook_endpoints']?.['post']?.operationId).toBe('createWebhookEndpoint');
  });
});
