import { Writable } from 'node:stream';

import { PaymentMethod } from '@tolem/contracts/common';
import { PaymentEvent as PaymentEventProto } from '@tolem/contracts/events';
import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { DomainError } from '@tolem/errors';
import { createTopics } from '@tolem/infra';
import { createLogger } from '@tolem/observability';
import type { PaymentEvent } from '@tolem/payment-events';
import {
  freshDatabase,
  integrationEnv,
  startTcpForwarder,
  uniqueTopic,
  waitFor,
} from '@tolem/testing';
import { type Kafka, logLevel } from 'kafkajs';
import { Kafka as KafkaClient } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CONSUMER_HEALTH,
  createKafka,
  createOutboxProducer,
  dlqTopicOf,
  enqueueOutbox,
  enqueueOutboxBatch,
  OUTBOX_TABLE,
  outboxMigration,
  processedEventsMigration,
  startIdempotentConsumer,
  startOutboxRelay,
  startPaymentEventsConsumer,
} from '../../src';
import { topicWithDlq } from './topics';

const log = createLogger({
  service: 'kafka-kit-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

async function consumeAll(kafka: Kafka, topic: string, count: number) {
  const consumer = kafka.consumer({ groupId: `reader-${topic}` });
  const seen: { key: string; value: string; headers: Record<string, string>; partition: number }[] =
    [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      seen.push({
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        ),
        partition,
      });
    },
  });
  await waitFor(() => seen.length >= count, {
    timeoutMs: 30_000,
    what: `${count} messages on ${topic}`,
  });
  await consumer.disconnect();
  return seen;
}

/** A client of a broker nobody listens on, quick to give up (a relay that can never publish). */
const unreachableKafka = () =>
  new KafkaClient({
    brokers: ['127.0.0.1:1'],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50 },
    connectionTimeout: 200,
  });

/** A message as the outbox relay writes it: keyed, with event-id and event-type (or no id: poison). */
const eventMessage = (eventId: string | undefined, value: string) => ({
  key: 'k',
  value,
  headers: eventId ? { 'event-id': eventId, 'event-type': 't' } : {},
});

describe('kafka-kit on real PostgreSQL and Kafka', () => {
  let db: Knex;
  let databaseUrl: string;
  let dropDb: () => Promise<void>;
  let kafka: Kafka;

  beforeAll(async () => {
    const fresh = await freshDatabase('kafka_kit_it');
    dropDb = fresh.drop;
    databaseUrl = fresh.url;
    db = createKnex({ url: fresh.url });
    await migrateLatest(db, {
      '0001_outbox': outboxMigration,
      '0002_processed': processedEventsMigration,
    });
    kafka = createKafka({
      brokers: integrationEnv().kafkaBrokers.split(','),
      clientId: 'kafka-kit-it',
      log,
      security: { protocol: 'PLAINTEXT' },
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await dropDb?.();
  });

  /** A relay whose broker nobody listens on: it keeps its rows, and counts its connects. */
  const stalledRelay = (lockKey: number) => {
    const deadKafka = unreachableKafka();
    let attempts = 0;
    const relay = startOutboxRelay({
      db,
      log,
      pollMs: 50,
      lockKey,
      connectProducer: () => {
        attempts += 1;
        return createOutboxProducer(deadKafka);
      },
    });
    return Object.assign(relay, { connectAttempts: () => attempts });
  };

  it('relay: rows written while Kafka is unreachable wait, then publish in order with headers and mark published', async () => {
    const topic = uniqueTopic('outbox');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 3 }]);
    await db.transaction(async (trx) => {
      await enqueueOutbox(
        trx,
        Array.from({ length: 20 }, (_, i) => ({
          topic,
          key: `pay_${i % 2}`,
          headers: { 'event-id': `evt_${i}`, 'event-type': 'payment.succeeded' },
          payload: Buffer.from(String(i)),
        })),
      );
    });

    // A broker nobody listens on: the relay must keep the rows and not mark anything.
    const stalled = stalledRelay(42);
    // A failed round connects a new producer the next time: the relay keeps trying.
    await waitFor(() => stalled.connectAttempts() >= 2, {
      timeoutMs: 30_000,
      what: 'two connect attempts',
    });
    expect(await stalled.backlog()).toBe(20);
    await stalled.stop();

    const relay = startOutboxRelay({
      db,
      log,
      pollMs: 50,
      lockKey: 42,
      connectProducer: () => createOutboxProducer(kafka),
    });
    await waitFor(async () => (await relay.backlog()) === 0, {
      timeoutMs: 30_000,
      what: 'outbox drained',
    });
    await relay.stop();

    const seen = await consumeAll(kafka, topic, 20);
    expect(seen).toHaveLength(20);
    for (const key of ['pay_0', 'pay_1']) {
      const values = seen.filter((m) => m.key === key).map((m) => Number(m.value));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(new Set(seen.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
    }
    expect(seen[0]?.headers['event-type']).toBe('payment.succeeded');
  });

  /** The backends holding advisory lock `key` (a bigint key below 2^32 is its objid). */
  const lockHolders = async (key: number) =>
    (
      (await db.raw(
        "select pid from pg_locks where locktype = 'advisory' and objid = ? and objsubid = 1 and granted",
        [key],
      )) as { rows: { pid: number }[] }
    ).rows.map((r) => r.pid);

  const enqueueEvents = (topic: string, prefix: string, count: number) =>
    db.transaction((trx) =>
      enqueueOutbox(
        trx,
        Array.from({ length: count }, (_, i) => ({
          topic,
          key: 'pay_1',
          headers: { 'event-id': `${prefix}_${i}`, 'event-type': 'payment.succeeded' },
          payload: Buffer.from(`${prefix}_${i}`),
        })),
      ),
    );

  it('relay: failed publishes keep the lock on its own session; stop releases it and another process takes over at once', async () => {
    const topic = uniqueTopic('outbox_takeover');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 1 }]);
    await enqueueEvents(topic, 'evt', 5);
    const stalled = stalledRelay(43);
    await waitFor(() => stalled.connectAttempts() >= 3, {
      timeoutMs: 30_000,
      what: 'three connect attempts',
    });
    // One session holds it through the failures: the relay's own.
    expect(await lockHolders(43)).toHaveLength(1);
    await stalled.stop();
    expect(await lockHolders(43)).toEqual([]);

    // Another process (its own pool) while this one's pool lives on: it publishes at once, not
    // once this pool has closed an idle connection that still held the lock.
    const other = createKnex({
      url: (db.client.config as { connection: { connectionString: string } }).connection
        .connectionString,
    });
    const relay = startOutboxRelay({
      db: other,
      log,
      pollMs: 50,
      lockKey: 43,
      connectProducer: () => createOutboxProducer(kafka),
    });
    try {
      await waitFor(async () => (await relay.backlog()) === 0, {
        timeoutMs: 10_000,
        what: 'outbox drained by the other relay',
      });
    } finally {
      await relay.stop();
      await other.destroy();
    }
    expect((await consumeAll(kafka, topic, 5)).map((m) => m.value)).toEqual(
      Array.from({ length: 5 }, (_, i) => `evt_${i}`),
    );
  });

  it('relay: one whose lock session died publishes nothing while another holds the lock, then takes it again', async () => {
    const topic = uniqueTopic('outbox_lost_lock');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 1 }]);
    const relay = startOutboxRelay({
      db,
      log,
      pollMs: 50,
      lockKey: 44,
      connectProducer: () => createOutboxProducer(kafka),
    });
    const rival = await db.client.acquireConnection();
    try {
      await waitFor(async () => (await lockHolders(44)).length === 1, {
        timeoutMs: 10_000,
        what: 'the relay holding its lock',
      });
      const [holder = 0] = await lockHolders(44);
      // Another relay's session waits for the lock, and gets it when the holder's session dies.
      const rivalLocked = rival.query('select pg_advisory_lock(44)');
      await waitFor(
        async () =>
          (
            (await db.raw(
              "select 1 from pg_locks where locktype = 'advisory' and objid = 44 and not granted",
            )) as { rows: unknown[] }
          ).rows.length === 1,
        { timeoutMs: 10_000, what: 'the rival waiting for the lock' },
      );
      await db.raw('select pg_terminate_backend(?)', [holder]);
      await rivalLocked;
      await enqueueEvents(topic, 'later', 3);
      relay.wake();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await relay.backlog()).toBe(3);

      await rival.query('select pg_advisory_unlock(44)');
      await waitFor(async () => (await relay.backlog()) === 0, {
        timeoutMs: 10_000,
        what: 'the relay publishing after taking the lock again',
      });
    } finally {
      await db.client.releaseConnection(rival);
      await relay.stop();
    }
    expect((await consumeAll(kafka, topic, 3)).map((m) => m.value)).toEqual([
      'later_0',
      'later_1',
      'later_2',
    ]);
  });

  it('relay: one whose lock session dies while it publishes leaves the rows to the new holder', async () => {
    const topic = uniqueTopic('outbox_lost_mid_round');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 1 }]);
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let sending = false;
    const relay = startOutboxRelay({
      db,
      log,
      pollMs: 50,
      lockKey: 45,
      connectProducer: async () => {
        const real = await createOutboxProducer(kafka);
        // A broker slow to answer: the send waits until the test lets it through.
        return {
          ...real,
          sendBatch: async (batch) => {
            sending = true;
            await gate;
            return real.sendBatch(batch);
          },
        };
      },
    });
    const rival = await db.client.acquireConnection();
    try {
      await enqueueEvents(topic, 'slow', 2);
      relay.wake();
      await waitFor(() => sending, { timeoutMs: 10_000, what: 'the relay sending' });
      const [holder = 0] = await lockHolders(45);
      const rivalLocked = rival.query('select pg_advisory_lock(45)');
      await db.raw('select pg_terminate_backend(?)', [holder]);
      await rivalLocked;
      openGate();
      // The send went out, but the rows stay unpublished for the lock's new holder to publish.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await relay.backlog()).toBe(2);
    } finally {
      openGate();
      await rival.query('select pg_advisory_unlock(45)').catch(() => undefined);
      await db.client.releaseConnection(rival);
    }
    await waitFor(async () => (await relay.backlog()) === 0, {
      timeoutMs: 10_000,
      what: 'the relay publishing after taking the lock again',
    });
    await relay.stop();
  });

  it('relay: one whose lock session went silent (no answer, no error) gives it up, and publishes on a new one', async () => {
    const topic = uniqueTopic('outbox_silent_session');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 1 }]);
    const target = new URL(databaseUrl);
    const proxy = await startTcpForwarder(`${target.hostname}:${target.port}`);
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(proxy.port);
    const proxied = createKnex({ url: viaProxy.toString() });
    const unpublished = async () =>
      Number(
        (
          (
            await db(OUTBOX_TABLE).where({ topic }).whereNull('published_at').count('* as n')
          )[0] as {
            n: string;
          }
        ).n,
      );
    const relay = startOutboxRelay({
      db: proxied,
      log,
      pollMs: 50,
      lockKey: 46,
      lockQueryTimeoutMs: 500,
      connectProducer: () => createOutboxProducer(kafka),
    });
    try {
      await waitFor(async () => (await lockHolders(46)).length === 1, {
        timeoutMs: 10_000,
        what: 'the relay holding its lock',
      });
      const [silent] = await lockHolders(46);
      proxy.freeze();
      await enqueueEvents(topic, 'after_silence', 3);
      relay.wake();
      await waitFor(async () => (await unpublished()) === 0, {
        timeoutMs: 15_000,
        what: 'the relay publishing on a new session',
      });
      const holders = await lockHolders(46);
      expect(holders).toHaveLength(1);
      expect(holders[0]).not.toBe(silent);
    } finally {
      await relay.stop();
      await proxied.destroy();
      await proxy.close();
    }
    expect((await consumeAll(kafka, topic, 3)).map((m) => m.value)).toEqual([
      'after_silence_0',
      'after_silence_1',
      'after_silence_2',
    ]);
  });

  it('relay: a batch row publishes its messages one by one, in order with the rows around it', async () => {
    const topic = uniqueTopic('outbox_batch');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 3 }]);
    const message = (i: number) => ({
      topic,
      key: `pay_${i % 3}`,
      headers: { 'event-id': `evt_${i}` },
      payload: Buffer.from(String(i)),
    });
    await db.transaction((trx) => enqueueOutbox(trx, [message(0)]));
    // 2,500 messages in one row: more than one Kafka request's worth at batchSize 1,000.
    await db.transaction((trx) =>
      enqueueOutboxBatch(
        trx,
        Array.from({ length: 2_500 }, (_, i) => message(i + 1)),
      ),
    );
    await db.transaction((trx) => enqueueOutbox(trx, [message(2_501)]));

    const relay = startOutboxRelay({
      db,
      connectProducer: () => createOutboxProducer(kafka),
      log,
      pollMs: 50,
      lockKey: 43,
      batchSize: 1_000,
    });
    await waitFor(async () => (await relay.backlog()) === 0, {
      timeoutMs: 30_000,
      what: 'outbox drained',
    });
    await relay.stop();

    const unpublished = await db(OUTBOX_TABLE)
      .whereNull('published_at')
      .count('* as count')
      .first();
    expect(Number(unpublished?.['count'])).toBe(0);
    const seen = await consumeAll(kafka, topic, 2_502);
    expect(seen).toHaveLength(2_502);
    expect(new Set(seen.map((m) => m.headers['event-id'])).size).toBe(2_502);
    for (const key of ['pay_0', 'pay_1', 'pay_2']) {
      const values = seen.filter((m) => m.key === key).map((m) => Number(m.value));
      expect(values).toEqual(
        Array.from({ length: 2_502 }, (_, i) => i).filter((i) => i % 3 === Number(key.slice(-1))),
      );
    }
  });

  it('consumer: a duplicate is handled once, poison goes to the DLQ and does not block, offsets commit', async () => {
    const { topic, groupId } = await topicWithDlq('consume');
    await db.raw('create table if not exists handled (event_id text primary key, body text)');
    const producer = kafka.producer();
    await producer.connect();
    const send = (eventId: string | undefined, body: string) =>
      producer.send({ topic, acks: -1, messages: [eventMessage(eventId, body)] });
    await send('evt_a', 'first');
    await send('evt_a', 'first again');
    await send(undefined, 'no event id: poison');
    await send('evt_bad', 'REJECT');
    await send('evt_b', 'second');

    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId,
      topic,
      decode: (v) => v.toString(),
      async handle(trx, msg) {
        if (msg.event === 'REJECT')
          throw new DomainError('TEST_NEVER_VALID', 'invalid', 'cannot handle');
        await trx('handled').insert({ event_id: msg.eventId, body: msg.event });
      },
    });
    await waitFor(
      async () => (await db('handled').count<{ count: bigint }[]>('* as count'))[0]?.count === 2n,
      {
        timeoutMs: 30_000,
        what: 'two handled events',
      },
    );
    const dlq = await consumeAll(kafka, dlqTopicOf(topic, groupId), 2);
    expect(dlq.map((m) => m.value).sort()).toEqual(['REJECT', 'no event id: poison']);
    expect(dlq.find((m) => m.value === 'REJECT')?.headers['dlq-reason']).toContain(
      'TEST_NEVER_VALID',
    );
    expect((await db('handled').orderBy('event_id')).map((r: { body: string }) => r.body)).toEqual([
      'first',
      'second',
    ]);

    await waitFor(
      async () => {
        const offsets = await kafka
          .admin()
          .fetchOffsets({ groupId, topics: [topic] })
          .catch(() => undefined);
        return offsets?.[0]?.partitions[0]?.offset === '5';
      },
      { timeoutMs: 15_000, what: 'offset 5 committed' },
    );
    await consumer.stop();
    await producer.disconnect();
  });

  it('payment events: the handler gets a typed event once per id, inside its transaction; an unknown currency goes to the DLQ', async () => {
    const { topic, groupId } = await topicWithDlq('payment-events');
    await db.raw('create table seen (event_id text primary key, event_type text, gross text)');
    const producer = kafka.producer();
    await producer.connect();
    const send = (headers: Record<string, string>, event: Partial<PaymentEventProto>) =>
      producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: 'pay_1',
            value: Buffer.from(
              PaymentEventProto.encode(PaymentEventProto.fromPartial(event)).finish(),
            ),
            headers,
          },
        ],
      });
    const paid = {
      eventId: 'evt_payload',
      eventType: 'payment.succeeded',
      paymentId: 'pay_1',
      gross: { amountMinor: 10_000n, currency: 'KGS' },
      method: PaymentMethod.PAYMENT_METHOD_QR,
      sequence: 1n,
    };
    // The header id wins and the payload fills an empty type header.
    await send({ 'event-id': 'evt_1', 'event-type': '' }, paid);
    await send({ 'event-id': 'evt_1', 'event-type': 'payment.succeeded' }, paid);
    await send(
      { 'event-id': 'evt_xxx', 'event-type': 'payment.succeeded' },
      { ...paid, gross: { amountMinor: 1n, currency: 'XXX' } },
    );
    await send(
      { 'event-id': 'evt_2', 'event-type': 'refund.succeeded' },
      { ...paid, sequence: 2n },
    );

    const handled: PaymentEvent[] = [];
    const readiness: boolean[] = [];
    const consumer = startPaymentEventsConsumer({
      kafka,
      db,
      log,
      groupId,
      topic,
      health: {
        reportStatus(name, serving) {
          expect(name).toBe(CONSUMER_HEALTH);
          readiness.push(serving);
        },
      },
      async handle(trx, event) {
        handled.push(event);
        await trx('seen').insert({
          event_id: event.eventId,
          event_type: event.eventType,
          gross: `${event.gross?.amountMinor} ${event.gross?.currency}`,
        });
      },
    });
    try {
      await waitFor(async () => (await db('seen')).length === 2, {
        timeoutMs: 30_000,
        what: 'two handled events',
      });
      expect(await db('seen').orderBy('event_id')).toEqual([
        { event_id: 'evt_1', event_type: 'payment.succeeded', gross: '10000 KGS' },
        { event_id: 'evt_2', event_type: 'refund.succeeded', gross: '10000 KGS' },
      ]);
      expect(handled.map((e) => [e.eventId, e.method, e.sequence])).toEqual([
        ['evt_1', 'qr', 1n],
        ['evt_2', 'qr', 2n],
      ]);
      expect(readiness).toContain(true);

      const dlqReasons: string[] = [];
      const reader = kafka.consumer({ groupId: `dlq-reader-${topic}` });
      await reader.connect();
      await reader.subscribe({ topic: dlqTopicOf(topic, groupId), fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          dlqReasons.push(message.headers?.['dlq-reason']?.toString() ?? '');
        },
      });
      await waitFor(() => dlqReasons.length === 1, { timeoutMs: 30_000, what: 'one DLQ message' });
      await reader.disconnect();
      expect(dlqReasons[0]).toContain('XXX');
      expect(
        (await db('processed_events').where({ consumer_group: groupId }).orderBy('event_id')).map(
          (r: { event_id: string }) => r.event_id,
        ),
      ).toEqual(['evt_1', 'evt_2']);
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
    expect(readiness.at(-1)).toBe(false);
  });

  it('consumer: a fetched run commits in shared transactions; a poison or failing message in it is handled alone', async () => {
    const { topic, groupId } = await topicWithDlq('runs');
    await db.raw(
      'create table if not exists run_handled (event_id text primary key, body text, tx bigint, seq serial)',
    );
    const producer = kafka.producer();
    await producer.connect();
    // Produced before the consumer starts, so its first fetch holds them all.
    const bodies = Array.from({ length: 30 }, (_, n) => `m${n}`);
    await producer.send({
      topic,
      acks: -1,
      messages: [
        ...bodies.slice(0, 10).map((b) => eventMessage(`evt_${b}`, b)),
        eventMessage('evt_m3', 'm3 again'),
        eventMessage(undefined, 'no event id: poison'),
        ...bodies.slice(10, 20).map((b) => eventMessage(`evt_${b}`, b)),
        eventMessage('evt_fail', 'FAIL-ONCE'),
        ...bodies.slice(20).map((b) => eventMessage(`evt_${b}`, b)),
      ],
    });
    let failures = 0;
    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId,
      topic,
      decode: (v) => v.toString(),
      maxMessagesPerTransaction: 8,
      async handle(trx, msg) {
        if (msg.event === 'FAIL-ONCE' && failures++ === 0) throw new Error('transient');
        const { rows } = (await trx.raw('select txid_current()::text as tx')) as {
          rows: { tx: string }[];
        };
        await trx('run_handled').insert({
          event_id: msg.eventId,
          body: msg.event,
          tx: rows[0]?.tx,
        });
      },
    });
    await waitFor(
      async () =>
        (await db('run_handled').count<{ count: bigint }[]>('* as count'))[0]?.count === 31n,
      { timeoutMs: 30_000, what: '31 handled events' },
    );
    const dlq = await consumeAll(kafka, dlqTopicOf(topic, groupId), 1);
    await consumer.stop();
    await producer.disconnect();

    const rows = (await db('run_handled').orderBy('seq')) as { body: string; tx: string }[];
    // Each event once, in offset order; the repeated id is skipped; poison went to the DLQ alone.
    expect(rows.map((r) => r.body)).toEqual([
      ...bodies.slice(0, 20),
      'FAIL-ONCE',
      ...bodies.slice(20),
    ]);
    expect(dlq.map((m) => m.value)).toEqual(['no event id: poison']);
    // The first fetch's first run of 8 committed as one transaction; the runs holding the poison
    // and the failing message were replayed one message per transaction.
    expect(new Set(rows.slice(0, 8).map((r) => r.tx)).size).toBe(1);
    expect(new Set(rows.map((r) => r.tx)).size).toBeLessThan(rows.length);
    expect(failures).toBe(2);
  });

  it('consumer: partitions are handled side by side, each strictly in offset order', async () => {
    const { topic, groupId } = await topicWithDlq('concurrent', 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [0, 1].flatMap((partition) =>
        [0, 1, 2].map((n) => ({
          partition,
          key: `p${partition}`,
          value: `p${partition}-${n}`,
          headers: { 'event-id': `evt_p${partition}_${n}`, 'event-type': 't' },
        })),
      ),
    });
    const inFlight = new Map<number, number>();
    let maxTotal = 0;
    let maxPerPartition = 0;
    const handled: string[] = [];
    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId,
      topic,
      decode: (v) => v.toString(),
      async handle(_trx, msg) {
        inFlight.set(msg.partition, (inFlight.get(msg.partition) ?? 0) + 1);
        maxPerPartition = Math.max(maxPerPartition, inFlight.get(msg.partition) ?? 0);
        maxTotal = Math.max(
          maxTotal,
          [...inFlight.values()].reduce((a, b) => a + b, 0),
        );
        // Long enough that the other partition's fetch lands while this one is in hand.
        await new Promise((r) => setTimeout(r, 300));
        inFlight.set(msg.partition, (inFlight.get(msg.partition) ?? 0) - 1);
        handled.push(msg.event);
      },
    });
    await waitFor(() => handled.length === 6, { timeoutMs: 30_000, what: 'six handled events' });
    await consumer.stop();
    await producer.disconnect();
    expect(maxTotal).toBe(2);
    expect(maxPerPartition).toBe(1);
    for (const partition of [0, 1]) {
      expect(handled.filter((e) => e.startsWith(`p${partition}-`))).toEqual(
        [0, 1, 2].map((n) => `p${partition}-${n}`),
      );
    }
  });
});
