import { randomBytes } from 'node:crypto';

import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { createLogger } from '@tolem/observability';
import { freshDatabase, waitFor } from '@tolem/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeDispatcher } from '../../src/app/dispatch-due';
import { createDispatchRepo } from '../../src/db/deliveries.repo';
import { listenForDueDeliveries } from '../../src/db/due-listener';
import type { PrivateNetworkAllowance } from '../../src/domain/ssrf';
import { startDispatcherLoop } from '../../src/http/dispatcher.loop';
import { createMerchantHttp } from '../../src/http/merchant.client';
import {
  addEndpoint,
  aNotificationEvent,
  manualClock,
  type Receiver,
  recordEvent,
  startReceiver,
} from './receivers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('dispatcher (real PostgreSQL, real HTTP receivers, controllable clock)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  const receivers: Receiver[] = [];
  const clock = manualClock(new Date('2026-03-01T10:00:00Z'));
  let merchantSeq = 0;

  const receiver = async (answer?: Receiver['answer']) => {
    const r = await startReceiver(newSecret(), answer, () => clock.now().getTime());
    receivers.push(r);
    return r;
  };

  const dispatcherOf = (allow: PrivateNetworkAllowance = 'loopback', timeoutMs = 500) => {
    const http = createMerchantHttp({ allowPrivateNetworks: allow });
    return makeDispatcher({
      dispatch: createDispatchRepo(db),
      http,
      clock,
      random: () => 1,
      retry: {
        windowMs: 72 * HOUR,
        backoff: { minMs: 5_000, maxMs: HOUR },
        maxRetryAfterMs: 6 * HOUR,
      },
      timeoutMs,
      disableAfterMs: 72 * HOUR,
    });
  };
  let dispatcher: ReturnType<typeof dispatcherOf>;

  /**
   * One pass: every due delivery is attempted once (as the loop would, at this clock time). Returns
   * the attempts of the test's own endpoints (earlier tests' leftovers retry too).
   */
  let mine = new Set<string>();
  const runDue = async (d = dispatcher) => {
    const targets = await d.claim(500);
    const summaries = await Promise.all(targets.map((t) => d.attempt(t)));
    return summaries.filter((s) => mine.has(s.endpointId));
  };

  const endpointFor = async (r: Receiver, ack: 'ok' | 'OK_ORDER' | 'CODE_0' = 'ok', max = 4) => {
    merchantSeq += 1;
    const merchantId = `mer_d${merchantSeq}`;
    const id = await addEndpoint(db, {
      merchantId,
      url: r.url,
      secret: r.secret,
      ack,
      maxInFlight: max,
    });
    mine.add(id);
    return { merchantId, endpointId: id };
  };

  const deliveryOf = (eventId: string) => db('deliveries').where({ event_id: eventId }).first();
  const eventsOf = (endpointId: string) =>
    db('endpoint_events').where({ endpoint_id: endpointId }).orderBy('created_at');
  const endpointRow = (id: string) => db('webhook_endpoints').where({ id }).first();

  beforeAll(async () => {
    database = await freshDatabase('notifier_dispatch_it');
    db = createKnex({ url: database.url, applicationName: 'notifier-dispatch-it' });
    await migrateLatest(db, migrations);
  });

  beforeEach(() => {
    dispatcher = dispatcherOf();
    mine = new Set();
  });

  // A test's unfinished deliveries would otherwise be retried (and waited for) by the next ones.
  afterEach(async () => {
    await db('deliveries')
      .whereIn('endpoint_id', [...mine])
      .andWhere({ status: 'pending' })
      .update({ status: 'exhausted' });
  });

  afterAll(async () => {
    for (const r of receivers) {
      // Every request any receiver got was signed verifiably (standardwebhooks package).
      expect(r.received.filter((x) => !x.verified)).toEqual([]);
      await r.close();
    }
    await db?.destroy();
    await database?.drop();
  });

  it('delivers on "ok" and never tries again', async () => {
    const r = await receiver((res) => res.end(' ok\n'));
    const { merchantId } = await endpointFor(r);
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    const [summary] = await runDue();
    expect(summary?.decision.status).toBe('delivered');
    expect(await deliveryOf(event.eventId)).toMatchObject({ status: 'delivered', attempts: 1 });
    clock.advance(2 * HOUR);
    expect(await runDue()).toEqual([]);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.headers['content-type']).toBe('application/json');
  });

  it('records a late attempt (its lease ran out and the delivery was claimed again) over nothing', async () => {
    const r = await receiver((res) => res.end('ok'));
    const { merchantId } = await endpointFor(r);
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    const [late] = await dispatcher.claim(500);
    // The lease (timeout + 10 s) runs out before the first attempt finished: claimed again.
    clock.advance(11_000);
    const [current] = await dispatcher.claim(500);
    expect(current?.delivery.id).toBe(late?.delivery.id);

    await dispatcher.attempt(late!);
    expect(await deliveryOf(event.eventId)).toMatchObject({
      status: 'pending',
      attempts: 0,
      leased_until: current?.leasedUntil,
    });
    await dispatcher.attempt(current!);
    expect(await deliveryOf(event.eventId)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(r.received).toHaveLength(2);
  });

  it.each([
    ['500', (res: Parameters<Receiver['answer']>[0]) => res.writeHead(500).end('down'), 'HTTP 500'],
    [
      '200 with another body',
      (res: Parameters<Receiver['answer']>[0]) => res.end('OK!'),
      'answer was not "ok"',
    ],
    ['no answer (timeout)', () => undefined, 'timeout'],
  ])('retries a merchant answering %s on the backoff schedule', async (_name, answer, error) => {
    const r = await receiver(answer);
    const { merchantId } = await endpointFor(r);
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    const first = clock.now().getTime();
    await runDue();
    const after1 = await deliveryOf(event.eventId);
    expect(after1).toMatchObject({ status: 'pending', attempts: 1, last_error: error });
    // random() = 1: the first retry waits the full ceiling, 2 * 5 s.
    expect(after1.next_attempt_at.getTime()).toBe(first + 10_000);
    clock.advance(9_999);
    expect(await runDue()).toEqual([]);
    clock.advance(1);
    await runDue();
    const after2 = await deliveryOf(event.eventId);
    expect(after2).toMatchObject({ status: 'pending', attempts: 2 });
    expect(after2.next_attempt_at.getTime()).toBe(first + 10_000 + 20_000);
    expect(r.received).toHaveLength(2);
  });

  it("claims only the named endpoints' deliveries when given endpoint ids, still in order and within limits", async () => {
    const a = await endpointFor(await receiver());
    const b = await endpointFor(await receiver(), 'ok', 2);
    const paymentId = 'pay_named_1';
    for (const sequence of [1n, 2n])
      await recordEvent(
        db,
        clock,
        aNotificationEvent({ merchantId: a.merchantId, paymentId, sequence }),
      );
    for (let i = 0; i < 3; i += 1)
      await recordEvent(db, clock, aNotificationEvent({ merchantId: b.merchantId }));
    const leaseUntil = new Date(clock.now().getTime() + HOUR);
    const repo = createDispatchRepo(db);

    const onlyA = await repo.claim(clock.now(), 500, leaseUntil, [a.endpointId]);
    // A payment's second delivery waits for its first.
    expect(onlyA.map((t) => [t.endpoint.id, t.delivery.sequence])).toEqual([[a.endpointId, 1n]]);
    const onlyB = await repo.claim(clock.now(), 500, leaseUntil, [b.endpointId, 'we_unknown']);
    // max_in_flight 2 of b's three.
    expect(onlyB.map((t) => t.endpoint.id)).toEqual([b.endpointId, b.endpointId]);
    expect(await repo.claim(clock.now(), 500, leaseUntil, [a.endpointId, b.endpointId])).toEqual(
      [],
    );
    expect(await repo.claim(clock.now(), 500, leaseUntil, [])).toEqual([]);
  });

  it('a new delivery wakes listeners naming its endpoint (LISTEN deliveries_due)', async () => {
    const a = await endpointFor(await receiver());
    const b = await endpointFor(await receiver());
    const payloads: string[] = [];
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      listener.on('notification', (n) => payloads.push(n.payload ?? ''));
      await listener.query('listen deliveries_due');
      await recordEvent(db, clock, aNotificationEvent({ merchantId: a.merchantId }));
      await recordEvent(db, clock, aNotificationEvent({ merchantId: b.merchantId }));
      // Recording an event already recorded inserts nothing and wakes nobody.
      const again = aNotificationEvent({ merchantId: b.merchantId });
      await recordEvent(db, clock, again);
      await recordEvent(db, clock, again);
      await waitFor(() => payloads.length >= 3, { timeoutMs: 5_000, what: 'three notifications' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(payloads).toEqual([a.endpointId, b.endpointId, b.endpointId]);
    } finally {
      await listener.end();
    }
  });

  it('its due listener reconnects once after its session is killed, and wakes again', async () => {
    const a = await endpointFor(await receiver());
    const woken: (readonly string[] | undefined)[] = [];
    const listener = listenForDueDeliveries({
      url: database.url,
      onDue: (ids) => woken.push(ids),
      log: createLogger({ service: 'notifier-it', level: 'silent' }),
    });
    const sessions = async () =>
      (
        (await db.raw(
          "select pid from pg_stat_activity where application_name = 'notifier-listen' and datname = current_database()",
        )) as { rows: { pid: number }[] }
      ).rows;
    try {
      await waitFor(async () => (await sessions()).length === 1, {
        timeoutMs: 5_000,
        what: 'listening',
      });
      const [session] = await sessions();
      await db.raw('select pg_terminate_backend(?)', [session?.pid ?? 0]);
      await waitFor(
        async () => {
          const now = await sessions();
          return now.length === 1 && now[0]?.pid !== session?.pid;
        },
        { timeoutMs: 10_000, what: 'a new listening session' },
      );
      await recordEvent(db, clock, aNotificationEvent({ merchantId: a.merchantId }));
      await waitFor(() => woken.some((ids) => ids?.includes(a.endpointId)), {
        timeoutMs: 5_000,
        what: 'the wake-up',
      });
      // One session: the loss was handled once, however many ways it was reported.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await sessions()).toHaveLength(1);
    } finally {
      await listener.close();
    }
  });

  it('retries a refused connection', async () => {
    const r = await receiver();
    const { merchantId } = await endpointFor(r);
    await r.close();
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    await runDue();
    const d = await deliveryOf(event.eventId);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
    expect(d.last_error).toMatch(/^ECONNREFUSED/);
  });

  it('retries until 72 h after the first attempt, then fails it with an event and disables the endpoint', async () => {
    const r = await receiver((res) => res.writeHead(500).end());
    const { merchantId, endpointId } = await endpointFor(r);
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    const first = clock.now().getTime();
    await runDue();
    expect((await endpointRow(endpointId)).failing_since.getTime()).toBe(first);
    for (let i = 0; i < 200; i += 1) {
      const d = await deliveryOf(event.eventId);
      if (d.status !== 'pending') break;
      clock.set(d.next_attempt_at);
      await runDue();
    }
    const done = await deliveryOf(event.eventId);
    expect(done.status).toBe('exhausted');
    expect(done.first_attempt_at.getTime()).toBe(first);
    // Hourly once capped: about 75 attempts in three days, the last one exactly at 72 h.
    expect(done.attempts).toBeGreaterThan(60);
    expect(done.attempts).toBeLessThan(90);
    expect(r.received.at(-1)?.at).toBeDefined();
    expect(clock.now().getTime()).toBe(first + 72 * HOUR);
    expect((await eventsOf(endpointId)).map((e) => e.type).sort()).toEqual([
      'delivery.exhausted',
      'endpoint.disabled',
    ]);
    expect(await endpointRow(endpointId)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
    });
  });

  it('does not disable an endpoint that succeeded in between: a success clears failing_since', async () => {
    let healthy = false;
    const r = await receiver((res) => (healthy ? res.end('ok') : res.writeHead(500).end()));
    const { merchantId, endpointId } = await endpointFor(r);
    const failing = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, failing);
    await runDue();
    expect((await endpointRow(endpointId)).failing_since).not.toBeNull();
    clock.advance(2 * DAY);
    healthy = true;
    await recordEvent(db, clock, aNotificationEvent({ merchantId }));
    await runDue();
    expect((await endpointRow(endpointId)).failing_since).toBeNull();
    healthy = false;
    await recordEvent(db, clock, aNotificationEvent({ merchantId }));
    clock.advance(1 * DAY + HOUR);
    await runDue();
    expect(await endpointRow(endpointId)).toMatchObject({ status: 'enabled' });
  });

  it('several failed attempts of one endpoint recorded together: failing since the first, disabled once, one event', async () => {
    const r = await receiver((res) => res.writeHead(410).end());
    const { merchantId, endpointId } = await endpointFor(r, 'ok', 4);
    for (let i = 0; i < 3; i += 1) await recordEvent(db, clock, aNotificationEvent({ merchantId }));
    const summaries = await runDue();
    expect(summaries).toHaveLength(3);
    expect(summaries.filter((a) => a.effects.endpointDisabled === 'gone')).toHaveLength(1);
    expect((await eventsOf(endpointId)).map((e) => e.type)).toEqual(['endpoint.disabled']);
    expect(await endpointRow(endpointId)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
    });
    expect((await endpointRow(endpointId)).failing_since.getTime()).toBe(clock.now().getTime());
  });

  it('honours Retry-After on 429 and 503, in seconds or as an HTTP date', async () => {
    const at = clock.now();
    const date = new Date(at.getTime() + 30 * 60_000).toUTCString();
    const answers = [
      (res: Parameters<Receiver['answer']>[0]) =>
        res.writeHead(429, { 'retry-after': '120' }).end(),
      (res: Parameters<Receiver['answer']>[0]) => res.writeHead(503, { 'retry-after': date }).end(),
    ];
    const r = await receiver((res) => (answers.shift() ?? ((x) => x.end('ok')))(res));
    const { merchantId } = await endpointFor(r);
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    await runDue();
    expect((await deliveryOf(event.eventId)).next_attempt_at.getTime()).toBe(
      at.getTime() + 120_000,
    );
    clock.advance(120_000);
    await runDue();
    const d = await deliveryOf(event.eventId);
    expect(d.next_attempt_at.getTime()).toBe(Date.parse(date));
    clock.set(d.next_attempt_at);
    await runDue();
    expect(await deliveryOf(event.eventId)).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('disables an endpoint answering 410 with an event; its deliveries wait until it is re-enabled', async () => {
    let gone = true;
    const r = await receiver((res) => (gone ? res.writeHead(410).end() : res.end('ok')));
    const { merchantId, endpointId } = await endpointFor(r);
    const first = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, first);
    await runDue();
    expect(await endpointRow(endpointId)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
    });
    const [disabled] = await eventsOf(endpointId);
    expect(disabled).toMatchObject({ type: 'endpoint.disabled', merchant_id: merchantId });
    const second = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, second);
    clock.advance(6 * HOUR);
    expect(await runDue()).toEqual([]);
    expect(r.received).toHaveLength(1);
    expect(await deliveryOf(second.eventId)).toMatchObject({ status: 'pending', attempts: 0 });

    gone = false;
    await db('webhook_endpoints')
      .where({ id: endpointId })
      .update({ status: 'enabled', disabled_reason: '', failing_since: null });
    await runDue();
    expect((await deliveryOf(first.eventId)).status).toBe('delivered');
    expect((await deliveryOf(second.eventId)).status).toBe('delivered');
  });

  it('ends deliveries that waited on a disabled endpoint past the window, each with an event', async () => {
    const r = await receiver((res) => res.writeHead(410).end());
    const { merchantId, endpointId } = await endpointFor(r);
    const first = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, first);
    await runDue();
    expect((await endpointRow(endpointId)).status).toBe('disabled');
    const waiting = aNotificationEvent({ merchantId });
    clock.advance(HOUR);
    await recordEvent(db, clock, waiting);

    // The never-tried delivery's window runs from its creation; the tried one's from its attempt.
    clock.advance(71 * HOUR);
    expect(await dispatcher.expireWaiting()).toBe(1);
    expect(await deliveryOf(first.eventId)).toMatchObject({ status: 'exhausted' });
    expect(await deliveryOf(waiting.eventId)).toMatchObject({ status: 'pending', attempts: 0 });
    clock.advance(HOUR);
    expect(await dispatcher.expireWaiting()).toBe(1);
    expect(await deliveryOf(waiting.eventId)).toMatchObject({
      status: 'exhausted',
      attempts: 0,
      last_error: 'endpoint disabled until the retry window closed',
    });
    const exhausted = (await eventsOf(endpointId)).filter((e) => e.type === 'delivery.exhausted');
    expect(exhausted.map((e) => e.delivery_id).sort()).toEqual(
      [(await deliveryOf(first.eventId)).id, (await deliveryOf(waiting.eventId)).id].sort(),
    );
    expect(r.received).toHaveLength(1);
  });

  it('acknowledges per the endpoint ack mode: OK{order id} (Robokassa) and {"code":0} (CloudPayments)', async () => {
    const robokassa = await receiver((res, req) => {
      const orderId = (JSON.parse(req.body) as { data: { order_id: string } }).data.order_id;
      res.end(`OK${orderId}`);
    });
    const cloud = await receiver((res) => res.end(' { "code": 0 } '));
    const a = await endpointFor(robokassa, 'OK_ORDER');
    const b = await endpointFor(cloud, 'CODE_0');
    const ea = aNotificationEvent({ merchantId: a.merchantId });
    const eb = aNotificationEvent({ merchantId: b.merchantId });
    await recordEvent(db, clock, ea);
    await recordEvent(db, clock, eb);
    await runDue();
    expect((await deliveryOf(ea.eventId)).status).toBe('delivered');
    expect((await deliveryOf(eb.eventId)).status).toBe('delivered');
  });

  it('refuses SSRF targets: loopback by name, metadata and private literals; nothing reaches them', async () => {
    const r = await receiver();
    const strict = dispatcherOf('none');
    const { merchantId, endpointId } = await endpointFor(r);
    await db('webhook_endpoints')
      .where({ id: endpointId })
      .update({ url: `http://localhost:${r.port}/hook` });
    const event = aNotificationEvent({ merchantId });
    await recordEvent(db, clock, event);
    await runDue(strict);
    const d = await deliveryOf(event.eventId);
    expect(d).toMatchObject({ status: 'pending', attempts: 1 });
    expect(d.last_error).toMatch(/^refused: (127\.0\.0\.1|::1) is a loopback address/);
    const [attempt] = await db('delivery_attempts').where({ delivery_id: d.id });
    expect(attempt).toMatchObject({ url: `http://localhost:${r.port}/hook`, status_code: null });

    for (const [url, error] of [
      [
        'http://169.254.169.254/latest/meta-data/',
        'refused: 169.254.169.254 is a metadata address',
      ],
      ['http://10.0.0.7/hook', 'refused: 10.0.0.7 is a private address'],
      [
        `http://[::ffff:127.0.0.1]:${r.port}/hook`,
        'refused: [::ffff:7f00:1] is a loopback address',
      ],
    ] as const) {
      await db('webhook_endpoints').where({ id: endpointId }).update({ url });
      clock.advance(HOUR);
      await runDue(strict);
      expect((await deliveryOf(event.eventId)).last_error).toBe(error);
    }
    expect(r.received).toHaveLength(0);

    // Allowed when configured: the stack and tests allow loopback.
    await db('webhook_endpoints').where({ id: endpointId }).update({ url: r.url });
    clock.advance(HOUR);
    await runDue(dispatcherOf('loopback'));
    expect((await deliveryOf(event.eventId)).status).toBe('delivered');
  });
});

describe('dispatcher pool (real PostgreSQL, real HTTP receivers, real time)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  const receivers: Receiver[] = [];
  const log = createLogger({ service: 'notifier-it', level: 'warn' });
  const systemClock = { now: () => new Date() };

  beforeAll(async () => {
    database = await freshDatabase('notifier_pool_it');
    db = createKnex({ url: database.url, applicationName: 'notifier-pool-it' });
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    for (const r of receivers) {
      expect(r.received.filter((x) => !x.verified)).toEqual([]);
      await r.close();
    }
    await db?.destroy();
    await database?.drop();
  });

  const loopOf = (timeoutMs: number) => {
    const http = createMerchantHttp({ allowPrivateNetworks: 'loopback' });
    const loop = startDispatcherLoop({
      dispatcher: makeDispatcher({
        dispatch: createDispatchRepo(db),
        http,
        clock: systemClock,
        random: Math.random,
        retry: {
          windowMs: 72 * HOUR,
          backoff: { minMs: 60_000, maxMs: HOUR },
          maxRetryAfterMs: HOUR,
        },
        timeoutMs,
        disableAfterMs: 72 * HOUR,
      }),
      concurrency: 64,
      claimBatch: 64,
      pollMs: 50,
      log,
    });
    return {
      loop,
      stop: async () => {
        await loop.stop();
        http.close();
      },
    };
  };

  it('delivers to healthy endpoints while a hanging one holds only its own slots', async () => {
    const hanging = await startReceiver(newSecret(), () => undefined);
    receivers.push(hanging);
    const hangingId = await addEndpoint(db, {
      merchantId: 'mer_hang',
      url: hanging.url,
      secret: hanging.secret,
      maxInFlight: 4,
    });
    const healthy: Receiver[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await startReceiver(newSecret());
      receivers.push(r);
      healthy.push(r);
      await addEndpoint(db, { merchantId: `mer_ok${i}`, url: r.url, secret: r.secret });
    }
    // The hanging merchant's deliveries are older, so a round-based dispatcher would take them first.
    for (let i = 0; i < 20; i += 1)
      await recordEvent(db, systemClock, aNotificationEvent({ merchantId: 'mer_hang' }));
    const { loop, stop } = loopOf(5_000);
    try {
      await waitFor(() => hanging.open() === 4, { timeoutMs: 5_000, what: '4 hanging requests' });
      const started = Date.now();
      for (let i = 0; i < 5; i += 1)
        for (let j = 0; j < 10; j += 1)
          await recordEvent(db, systemClock, aNotificationEvent({ merchantId: `mer_ok${i}` }));
      await waitFor(() => healthy.every((r) => r.received.length === 10), {
        timeoutMs: 5_000,
        what: 'every healthy delivery',
      });
      const healthyDone = Date.now() - started;
      // The hanging requests are still in flight (timeout 5 s): nobody waited for them.
      expect(hanging.open()).toBe(4);
      expect(hanging.maxOpen()).toBe(4);
      expect(healthyDone).toBeLessThan(2_000);
      const latencies = healthy.flatMap((r) => r.received.map((x) => x.at - started));
      expect(Math.max(...latencies)).toBeLessThan(2_000);
      const pending = await db('deliveries')
        .where({ endpoint_id: hangingId, status: 'pending' })
        .count<{ count: string }[]>('* as count');
      expect(Number(pending[0]?.count)).toBe(20);
      // Once the healthy attempts are recorded, only the hanging ones are in flight.
      await waitFor(() => loop.inFlight() === 4, { timeoutMs: 2_000, what: 'records to land' });
      expect(hanging.open()).toBe(4);
    } finally {
      await stop();
    }
  });

  it("sends one payment's deliveries to an endpoint in sequence order, within max_in_flight", async () => {
    const r = await startReceiver(newSecret(), (res) => setTimeout(() => res.end('ok'), 30));
    receivers.push(r);
    await addEndpoint(db, {
      merchantId: 'mer_order',
      url: r.url,
      secret: r.secret,
      maxInFlight: 3,
    });
    const payments = Array.from({ length: 4 }, () =>
      aNotificationEvent({ merchantId: 'mer_order' }),
    );
    const expected = new Map<string, string[]>();
    for (const p of payments) {
      const chain = [1n, 2n, 3n].map((sequence) =>
        aNotificationEvent({ merchantId: 'mer_order', paymentId: p.paymentId, sequence }),
      );
      expected.set(
        p.paymentId,
        chain.map((e) => e.eventId),
      );
      // Recorded newest first: order comes from the sequence, not from arrival.
      for (const e of [...chain].reverse()) await recordEvent(db, systemClock, e);
    }
    const { stop } = loopOf(2_000);
    try {
      await waitFor(() => r.received.length === 12, { timeoutMs: 10_000, what: '12 deliveries' });
    } finally {
      await stop();
    }
    for (const [paymentId, ids] of expected) {
      const got = r.received
        .filter(
          (x) =>
            (JSON.parse(x.body) as { data: { payment_id: string } }).data.payment_id === paymentId,
        )
        .map((x) => x.eventId);
      expect(got).toEqual(ids);
    }
    expect(r.maxOpen()).toBeLessThanOrEqual(3);
    expect(r.maxOpen()).toBeGreaterThan(1);
  });
});
