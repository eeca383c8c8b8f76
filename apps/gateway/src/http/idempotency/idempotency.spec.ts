import { DomainError } from '@tolem/errors';
import { createLogger } from '@tolem/observability';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createMemoryIdempotencyStore } from '../../../test/fakes/idempotency-store.fake';
import { idempotencyStoreContract } from '../../../test/idempotency-store.contract';
import { errorBody, toHttpError } from '../errors';
import { installIdempotency } from './plugin';
import { fingerprintOf, firstDifference } from './store';
import { startIdempotencySweeper } from './sweeper';

idempotencyStoreContract('in-memory fake', async () => createMemoryIdempotencyStore());

describe('fingerprintOf / firstDifference', () => {
  it('names the first leaf whose value differs, nested paths included', () => {
    const a = fingerprintOf({ amount: 1999, currency: 'USD', metadata: { ref: 'a' } });
    expect(Object.keys(a).sort()).toEqual(['amount', 'currency', 'metadata.ref']);
    expect(
      firstDifference(a, fingerprintOf({ amount: 1999, currency: 'USD', metadata: { ref: 'a' } })),
    ).toBeNull();
    expect(
      firstDifference(a, fingerprintOf({ amount: 2000, currency: 'USD', metadata: { ref: 'a' } })),
    ).toBe('amount');
    expect(
      firstDifference(a, fingerprintOf({ amount: 1999, currency: 'USD', metadata: { ref: 'b' } })),
    ).toBe('metadata.ref');
    expect(firstDifference(a, fingerprintOf({ amount: 1999, currency: 'USD' }))).toBe(
      'metadata.ref',
    );
    expect(firstDifference(fingerprintOf({ x: 1 }), fingerprintOf({ x: '1' }))).toBe('x');
    expect(firstDifference(fingerprintOf({ m: {} }), fingerprintOf({}))).toBe('m');
  });
});

/**
 * The plugin on a bare Fastify app, with a route registered the way another file would register
 * one (its own plugin, its own auth hook): the claim, replay and conflicts must reach it unasked.
 */
describe('installIdempotency', () => {
  let app: FastifyInstance;
  let store: ReturnType<typeof createMemoryIdempotencyStore>;
  let now: Date;
  let calls: number;
  let answer: () => Promise<unknown>;

  beforeEach(async () => {
    store = createMemoryIdempotencyStore();
    now = new Date('2026-12-07T10:00:00.000Z');
    calls = 0;
    answer = async () => ({ id: `thing_${calls}` });
    app = Fastify({ ajv: { customOptions: { coerceTypes: false } } });
    app.setErrorHandler((err, request, reply) => {
      const mapped = toHttpError(err);
      return reply.code(mapped.status).send(errorBody(mapped, request.id));
    });
    installIdempotency(app, { store, clock: () => now });
    await app.register(async (scope) => {
      scope.decorateRequest('merchant', null);
      scope.addHook('onRequest', async (request) => {
        (request as unknown as { merchant: { id: string; livemode: boolean } }).merchant = {
          id: String(request.headers['x-merchant'] ?? 'mer_a'),
          livemode: request.headers['x-livemode'] === 'true',
        };
      });
      scope.post('/v1/secrets', { config: { idempotency: false } }, async () => {
        calls++;
        return { secret: `sk_${calls}` };
      });
      scope.post(
        '/v1/things',
        {
          schema: {
            body: {
              type: 'object',
              required: ['amount'],
              properties: { amount: { type: 'integer' }, note: { type: 'string' } },
            },
          },
        },
        async (request, reply) => {
          calls++;
          const body = request.body as { amount: number };
          if (body.amount < 0) {
            throw new DomainError('MONEY_NOT_POSITIVE', 'invalid', 'amount must be positive');
          }
          return reply
            .code(201)
            .header('location', '/v1/things/x')
            .send(await answer());
        },
      );
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { 'idempotency-key': 'key-1', ...headers },
      payload: body as Record<string, unknown>,
    });

  it('replays the first answer verbatim with Idempotent-Replayed, without running the handler again', async () => {
    const first = await post({ amount: 5 });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post({ amount: 5 });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['location']).toBe('/v1/things/x');
    expect(again.body).toBe(first.body);
    expect(calls).toBe(1);
  });

  it("accepts YooKassa's Idempotence-Key as the same key", async () => {
    await post({ amount: 5 });
    const again = await app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { 'idempotence-key': 'key-1' },
      payload: { amount: 5 },
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(calls).toBe(1);
  });

  it('stores and replays a 5xx: the retry gets the same failure, the handler runs once', async () => {
    answer = async () => {
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'checkout is down');
    };
    const first = await post({ amount: 5 });
    expect(first.statusCode).toBe(503);
    answer = async () => ({ id: 'would-be-second' });
    const again = await post({ amount: 5 });
    expect(again.statusCode).toBe(503);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(calls).toBe(1);
  });

  it('refuses the same key with another body with 409 naming the field', async () => {
    await post({ amount: 5, note: 'a' });
    const other = await post({ amount: 5, note: 'b' });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'note' } },
    });
    expect(other.json().error.message).toContain('note');
    expect(calls).toBe(1);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first request is in flight, then its answer', async () => {
    let release!: () => void;
    answer = () => new Promise((resolve) => (release = () => resolve({ id: 'slow' })));
    const first = post({ amount: 5 });
    await new Promise((r) => setTimeout(r, 20));
    const concurrent = await post({ amount: 5 });
    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_IN_USE' } });
    release();
    expect((await first).statusCode).toBe(201);
    const after = await post({ amount: 5 });
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual({ id: 'slow' });
    expect(calls).toBe(1);
  });

  it('stores nothing for a request refused by validation, schema or handler', async () => {
    expect((await post({ amount: 'five' })).statusCode).toBe(400);
    expect((await post({ amount: -1 })).statusCode).toBe(400);
    expect(store.rows.size).toBe(0);
    // The key is still free: a corrected request with the same key runs.
    expect((await post({ amount: 5 })).statusCode).toBe(201);
    expect(calls).toBe(2);
  });

  it('expires a key after 24 hours (the handler runs again) and the sweep deletes it', async () => {
    await post({ amount: 5 });
    now = new Date(now.getTime() + 24 * 3_600_000 - 1);
    expect((await post({ amount: 5 })).headers['idempotent-replayed']).toBe('true');
    now = new Date(now.getTime() + 1);
    expect(await store.sweep(now, 100)).toBe(1);
    expect(store.rows.size).toBe(0);
    const fresh = await post({ amount: 5 });
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(calls).toBe(2);
  });

  it('scopes keys per merchant: another merchant with the same key gets its own answer', async () => {
    await post({ amount: 5 }, { 'x-merchant': 'mer_a' });
    const other = await post({ amount: 5 }, { 'x-merchant': 'mer_b' });
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json()).toEqual({ id: 'thing_2' });
    const otherBody = await post({ amount: 6 }, { 'x-merchant': 'mer_c' });
    expect(otherBody.statusCode).toBe(201);
    expect(calls).toBe(3);
  });

  it("scopes keys per mode too: a merchant's live key never gets its test key's answer", async () => {
    await post({ amount: 5 });
    const live = await post({ amount: 5 }, { 'x-livemode': 'true' });
    expect(live.headers['idempotent-replayed']).toBeUndefined();
    expect(live.json()).toEqual({ id: 'thing_2' });
    const liveAgain = await post({ amount: 5 }, { 'x-livemode': 'true' });
    expect(liveAgain.headers['idempotent-replayed']).toBe('true');
    expect(liveAgain.json()).toEqual({ id: 'thing_2' });
    const testAgain = await post({ amount: 5 });
    expect(testAgain.json()).toEqual({ id: 'thing_1' });
    expect(calls).toBe(2);
  });

  it('leaves POSTs without a key alone, and refuses a key over 255 characters', async () => {
    await app.inject({ method: 'POST', url: '/v1/things', payload: { amount: 5 } });
    await app.inject({ method: 'POST', url: '/v1/things', payload: { amount: 5 } });
    expect(calls).toBe(2);
    expect(store.rows.size).toBe(0);
    const long = await post({ amount: 5 }, { 'idempotency-key': 'k'.repeat(256) });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_INVALID' } });
  });

  it('keeps nothing for a route that opts out (an answer carrying a secret shown once)', async () => {
    const send = () =>
      app.inject({ method: 'POST', url: '/v1/secrets', headers: { 'idempotency-key': 'key-1' } });
    expect((await send()).json()).toEqual({ secret: 'sk_1' });
    expect((await send()).json()).toEqual({ secret: 'sk_2' });
    expect(store.rows.size).toBe(0);
  });

  it('answers 503 IDEMPOTENCY_STORE_UNAVAILABLE without running the handler when the store is down', async () => {
    store.failing = true;
    const res = await post({ amount: 5 });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_STORE_UNAVAILABLE' } });
    expect(calls).toBe(0);
  });
});

/**
 * A route whose handler is idempotent on the key by itself (as checkout's CreatePayment is): the
 * same answers as a claimed route, with one write per key, and a durable claim only when slow.
 */
describe("installIdempotency: a 'downstream' route", () => {
  let app: FastifyInstance;
  let store: ReturnType<typeof createMemoryIdempotencyStore>;
  let now: Date;
  let calls: number;
  let answer: () => Promise<{ status: number; body: unknown; replayed?: boolean }>;
  const writes: string[] = [];

  beforeEach(async () => {
    store = createMemoryIdempotencyStore();
    writes.length = 0;
    for (const op of ['claim', 'complete', 'record', 'release'] as const) {
      const real = store[op].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
        writes.push(op);
        return real(...args);
      };
    }
    now = new Date('2026-12-07T10:00:00.000Z');
    calls = 0;
    answer = async () => ({ status: 201, body: { id: `pay_${calls}` } });
    app = Fastify({ ajv: { customOptions: { coerceTypes: false } } });
    app.setErrorHandler((err, request, reply) => {
      const mapped = toHttpError(err);
      return reply.code(mapped.status).send(errorBody(mapped, request.id));
    });
    installIdempotency(app, { store, clock: () => now, claimAfterMs: 50 });
    await app.register(async (scope) => {
      scope.decorateRequest('merchant', null);
      scope.addHook('onRequest', async (request) => {
        (request as unknown as { merchant: { id: string } }).merchant = {
          id: String(request.headers['x-merchant'] ?? 'mer_a'),
        };
      });
      scope.post(
        '/v1/payments',
        {
          config: { idempotency: 'downstream' },
          schema: {
            body: {
              type: 'object',
              required: ['amount'],
              properties: { amount: { type: 'integer' }, note: { type: 'string' } },
            },
          },
        },
        async (request, reply) => {
          calls++;
          if ((request.body as { amount: number }).amount < 0) {
            throw new DomainError('MONEY_NOT_POSITIVE', 'invalid', 'amount must be positive');
          }
          const res = await answer();
          if (res.replayed) void reply.header('idempotent-replayed', 'true');
          return reply.code(res.status).header('location', '/v1/payments/x').send(res.body);
        },
      );
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { 'idempotency-key': 'key-1', ...headers },
      payload: body as Record<string, unknown>,
    });

  it('stores the first answer with one write and replays it verbatim without running the handler', async () => {
    const first = await post({ amount: 5 });
    expect(first.statusCode).toBe(201);
    expect(writes).toEqual(['record']);
    const again = await post({ amount: 5 });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['location']).toBe('/v1/payments/x');
    expect(again.body).toBe(first.body);
    expect(calls).toBe(1);
    expect(writes).toEqual(['record']);
  });

  it('has a 5xx stored before it is sent, so another replica replays it too', async () => {
    let stored = false;
    const record = store.record.bind(store);
    store.record = async (...args: Parameters<typeof record>) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const result = await record(...args);
      stored = true;
      return result;
    };
    answer = async () => {
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'checkout is down');
    };
    const first = await post({ amount: 5 });
    expect(first.statusCode).toBe(503);
    expect(stored).toBe(true);
  });

  it('sends a 201 without waiting for its write', async () => {
    let stored = false;
    const record = store.record.bind(store);
    store.record = async (...args: Parameters<typeof record>) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const result = await record(...args);
      stored = true;
      return result;
    };
    const first = await post({ amount: 5 });
    expect(first.statusCode).toBe(201);
    expect(stored).toBe(false);
  });

  it('stores and replays a 5xx, and refuses another body with 409 naming the field', async () => {
    answer = async () => {
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'checkout is down');
    };
    const first = await post({ amount: 5, note: 'a' });
    expect(first.statusCode).toBe(503);
    answer = async () => ({ status: 201, body: { id: 'would-be-second' } });
    const again = await post({ amount: 5, note: 'a' });
    expect(again.statusCode).toBe(503);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await post({ amount: 5, note: 'b' });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'note' } },
    });
    expect(calls).toBe(1);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_USE to a retry while the first is in flight, then replays its answer', async () => {
    let release!: () => void;
    answer = () =>
      new Promise((resolve) => (release = () => resolve({ status: 201, body: { id: 'slow' } })));
    const first = post({ amount: 5 });
    await new Promise((r) => setTimeout(r, 10));
    const concurrent = await post({ amount: 5 });
    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_IN_USE' } });
    const different = await post({ amount: 6 });
    expect(different.json()).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'amount' } },
    });
    release();
    expect((await first).statusCode).toBe(201);
    const after = await post({ amount: 5 });
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual({ id: 'slow' });
    expect(calls).toBe(1);
  });

  it('answers before its record is written; a retry meanwhile is replayed from memory, not run again', async () => {
    let written!: () => void;
    const record = store.record.bind(store);
    store.record = (...args) =>
      new Promise<boolean>((resolve) => {
        written = () => void record(...args).then(resolve);
      });
    const first = await post({ amount: 5 });
    expect(first.statusCode).toBe(201);
    expect(store.rows.size).toBe(0);
    const retry = await post({ amount: 5 });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect((await post({ amount: 6 })).json()).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'amount' } },
    });
    written();
    await new Promise((r) => setTimeout(r, 10));
    expect(store.rows.size).toBe(1);
    const later = await post({ amount: 5 });
    expect(later.body).toBe(first.body);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(calls).toBe(1);
  });

  it('claims the key in the store once the request runs past claimAfterMs, so other replicas see it in flight', async () => {
    let release!: () => void;
    answer = () =>
      new Promise((resolve) => (release = () => resolve({ status: 201, body: { id: 'slow' } })));
    const first = post({ amount: 5 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.find('merchant:mer_a', 'key-1', now)).toMatchObject({
      outcome: 'in_flight',
    });
    release();
    expect((await first).statusCode).toBe(201);
    expect(writes).toEqual(['claim', 'complete']);
    expect(await store.find('merchant:mer_a', 'key-1', now)).toMatchObject({
      outcome: 'completed',
      response: { status: 201, body: '{"id":"slow"}' },
    });
  });

  it('stores nothing for a request refused by validation, schema or handler', async () => {
    expect((await post({ amount: 'five' })).statusCode).toBe(400);
    expect((await post({ amount: -1 })).statusCode).toBe(400);
    expect(store.rows.size).toBe(0);
    expect(writes).toEqual([]);
    expect((await post({ amount: 5 })).statusCode).toBe(201);
    expect(calls).toBe(2);
  });

  it("stores nothing when the downstream answered from its own record of the key (a retry from another replica's window)", async () => {
    answer = async () => ({ status: 200, body: { id: 'pay_other' }, replayed: true });
    expect((await post({ amount: 5 })).statusCode).toBe(200);
    answer = async () => {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'conflict', 'amount differs');
    };
    expect((await post({ amount: 6 }, { 'idempotency-key': 'key-2' })).statusCode).toBe(409);
    expect(store.rows.size).toBe(0);
  });

  it('replays a record stored by another replica, and expires it after 24 hours', async () => {
    await store.record(
      'merchant:mer_a',
      'key-1',
      { method: 'POST', path: '/v1/payments', fingerprint: fingerprintOf({ amount: 5 }) },
      { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"pay_x"}' },
      { now, expiresAt: new Date(now.getTime() + 24 * 3_600_000) },
    );
    expect((await post({ amount: 5 })).json()).toEqual({ id: 'pay_x' });
    expect(calls).toBe(0);
    now = new Date(now.getTime() + 24 * 3_600_000);
    const fresh = await post({ amount: 5 });
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('answers 503 IDEMPOTENCY_STORE_UNAVAILABLE without running the handler when the store is down', async () => {
    store.failing = true;
    const res = await post({ amount: 5 });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_STORE_UNAVAILABLE' } });
    expect(calls).toBe(0);
    store.failing = false;
    expect((await post({ amount: 5 })).statusCode).toBe(201);
  });
});

describe('startIdempotencySweeper', () => {
  it('deletes every expired key in bounded batches and keeps the live ones', async () => {
    const store = createMemoryIdempotencyStore();
    const t0 = new Date('2026-12-07T10:00:00.000Z');
    const print = { method: 'POST', path: '/v1/payments', fingerprint: {} };
    for (let i = 0; i < 5; i++) {
      await store.claim('m', `old-${i}`, print, { now: t0, expiresAt: t0, lockedUntil: t0 });
    }
    const later = new Date(t0.getTime() + 1_000);
    await store.claim('m', 'live', print, {
      now: t0,
      expiresAt: new Date(t0.getTime() + 86_400_000),
      lockedUntil: later,
    });
    const batches: number[] = [];
    const sweep = store.sweep.bind(store);
    store.sweep = async (now, limit) => {
      const n = await sweep(now, limit);
      batches.push(n);
      return n;
    };
    const sweeper = startIdempotencySweeper({
      store,
      clock: () => later,
      log: createLogger({ service: 'gateway-spec', level: 'silent' }),
      batchSize: 2,
      intervalMs: 3_600_000,
    });
    try {
      expect(await sweeper.sweepOnce()).toBe(5);
      expect(batches).toEqual([2, 2, 1]);
      expect([...store.rows.keys()]).toEqual([JSON.stringify(['m', 'live'])]);
    } finally {
      sweeper.stop();
    }
  });
});
