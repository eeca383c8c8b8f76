import { Writable } from 'node:stream';

import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { createTopics } from '@tolem/infra';
import { sumSamples } from '@tolem/metrics';
import { createLogger } from '@tolem/observability';
import { freshDatabase, integrationEnv, uniqueTopic, waitFor } from '@tolem/testing';
import { type Kafka, Kafka as KafkaClient, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createKafka,
  createOutboxProducer,
  enqueueOutbox,
  outboxMigration,
  processedEventsMigration,
  startIdempotentConsumer,
  startOutboxRelay,
} from '../../src';
import { topicWithDlq } from './topics';

const log = createLogger({
  service: 'kafka-kit-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

describe('kafka-kit metrics on real PostgreSQL and Kafka', () => {
  let db: Knex;
  let dropDb: () => Promise<void>;
  let kafka: Kafka;

  beforeAll(async () => {
    const fresh = await freshDatabase('kafka_kit_metrics_it');
    dropDb = fresh.drop;
    db = createKnex({ url: fresh.url });
    await migrateLatest(db, {
      '0001_outbox': outboxMigration,
      '0002_processed': processedEventsMigration,
    });
    kafka = createKafka({
      brokers: integrationEnv().kafkaBrokers.split(','),
      clientId: 'kafka-kit-metrics-it',
      log,
      security: { protocol: 'PLAINTEXT' },
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await dropDb?.();
  });

  it('consumer: lag shows unprocessed messages and drops to 0; outcomes are counted', async () => {
    const { topic, groupId } = await topicWithDlq('metrics_consume');
    const producer = kafka.producer();
    await producer.connect();
    const messages = [
      { id: 'evt_a', body: 'a' },
      { id: 'evt_a', body: 'a again' },
      { id: undefined, body: 'poison' },
      { id: 'evt_b', body: 'b' },
    ];
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: 'k',
        value: m.body,
        headers: m.id ? { 'event-id': m.id, 'event-type': 't' } : {},
      })),
    });
    await producer.disconnect();

    const registry = new Registry();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: string[] = [];
    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId,
      topic,
      metrics: registry,
      decode: (v) => v.toString(),
      async handle(_trx, msg) {
        await gate;
        handled.push(msg.event);
      },
    });
    const series = { group: groupId, topic, partition: '0' };
    try {
      // The first message waits: its batch of four is fetched and all four are unprocessed.
      await waitFor(
        async () =>
          sumSamples(await registry.metrics(), 'tolem_kafka_consumer_lag_messages', series) === 4,
        { timeoutMs: 30_000, what: 'lag of 4' },
      );
      release();
      await waitFor(() => handled.length === 2, { timeoutMs: 30_000, what: 'two handled' });
      await waitFor(
        async () => {
          const text = await registry.metrics();
          return (
            sumSamples(text, 'tolem_kafka_consumer_lag_messages', series) === 0 &&
            sumSamples(text, 'tolem_kafka_messages_processed_total', { group: groupId }) === 4
          );
        },
        { timeoutMs: 30_000, what: 'lag 0 and four outcomes' },
      );
      const text = await registry.metrics();
      const processed = (outcome: string) =>
        sumSamples(text, 'tolem_kafka_messages_processed_total', {
          group: groupId,
          topic,
          outcome,
        });
      expect(processed('handled')).toBe(2);
      expect(processed('duplicate')).toBe(1);
      expect(processed('dlq')).toBe(1);
    } finally {
      release();
      await consumer.stop();
    }
  });

  it('consumer: offsets are committed at most once per interval while busy, and the last ones once idle', async () => {
    const { topic, groupId } = await topicWithDlq('metrics_commits');
    const registry = new Registry();
    const handled: string[] = [];
    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId,
      topic,
      metrics: registry,
      offsetCommitIntervalMs: 1_000,
      decode: (v) => v.toString(),
      async handle(_trx, msg) {
        handled.push(msg.event);
      },
    });
    const producer = kafka.producer();
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(() => consumer.isConsuming(), { timeoutMs: 30_000, what: 'consuming' });
      // One at a time, so that most arrive in fetches of their own (a batch each).
      for (let n = 0; n < 20; n += 1) {
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: 'k', value: `m${n}`, headers: { 'event-id': `evt_${n}` } }],
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await waitFor(() => handled.length === 20, { timeoutMs: 30_000, what: '20 handled' });
      // The last offsets are committed once the consumer is idle, without a stop.
      await waitFor(
        async () =>
          (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset ===
          '20',
        { timeoutMs: 10_000, what: 'offset 20 committed' },
      );
      const commits = sumSamples(await registry.metrics(), 'tolem_kafka_offset_commits_total', {
        group: groupId,
        topic,
      });
      expect(commits).toBeGreaterThanOrEqual(1);
      expect(commits).toBeLessThanOrEqual(4);
    } finally {
      await admin.disconnect();
      await producer.disconnect();
      await consumer.stop();
    }
  });

  it('consumer: a partition moved to another replica, or a stopped consumer, leaves no stale lag', async () => {
    const { topic, groupId } = await topicWithDlq('metrics_rebalance', 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [0, 1].map((partition) => ({
        partition,
        key: `k${partition}`,
        value: 'v',
        headers: { 'event-id': `evt_${topic}_${partition}`, 'event-type': 't' },
      })),
    });
    await producer.disconnect();
    const start = (registry: Registry) =>
      startIdempotentConsumer<string>({
        kafka,
        db,
        log,
        groupId,
        topic,
        metrics: registry,
        decode: (v) => v.toString(),
        async handle() {},
      });
    const partitionsWithLag = async (registry: Registry) =>
      (await registry.metrics())
        .split('\n')
        .filter((l) => l.startsWith('tolem_kafka_consumer_lag_messages{'))
        .map((l) => /partition="(\d+)"/.exec(l)?.[1])
        .sort();
    const first = new Registry();
    const a = start(first);
    let b: ReturnType<typeof start> | undefined;
    try {
      await waitFor(async () => (await partitionsWithLag(first)).length === 2, {
        timeoutMs: 30_000,
        what: 'lag reported for both partitions',
      });
      const second = new Registry();
      b = start(second);
      // After the rebalance each consumer reports only the partition it holds.
      await waitFor(async () => (await partitionsWithLag(first)).length === 1, {
        timeoutMs: 60_000,
        what: 'the moved partition gone from the first consumer',
      });
      await a.stop();
      expect(await partitionsWithLag(first)).toEqual([]);
    } finally {
      await a.stop();
      await b?.stop();
    }
  });

  it('relay: backlog and oldest age are read on scrape, and fall to 0 once published', async () => {
    const topic = uniqueTopic('metrics_outbox');
    await createTopics(integrationEnv().kafkaBrokers, [{ topic, numPartitions: 1 }]);
    await db.transaction((trx) =>
      enqueueOutbox(
        trx,
        [1, 2, 3].map((i) => ({
          topic,
          key: 'k',
          headers: { 'event-id': `evt_${i}`, 'event-type': 't' },
          payload: Buffer.from(String(i)),
        })),
      ),
    );
    await db.raw(`update outbox set created_at = now() - interval '90 seconds'`);

    const deadKafka = new KafkaClient({
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 100,
    });
    const registry = new Registry();
    const stalled = startOutboxRelay({
      db,
      log,
      pollMs: 50,
      lockKey: 4242,
      metrics: registry,
      connectProducer: () => createOutboxProducer(deadKafka),
    });
    let text = await registry.metrics();
    expect(sumSamples(text, 'tolem_outbox_backlog_messages', { relay: 'outbox' })).toBe(3);
    expect(
      sumSamples(text, 'tolem_outbox_oldest_age_seconds', { relay: 'outbox' }),
    ).toBeGreaterThanOrEqual(90);
    await stalled.stop();

    const relay = startOutboxRelay({
      db,
      log,
      pollMs: 50,
      lockKey: 4242,
      metrics: registry,
      connectProducer: () => createOutboxProducer(kafka),
    });
    await waitFor(async () => (await relay.backlog()) === 0, {
      timeoutMs: 30_000,
      what: 'drained',
    });
    text = await registry.metrics();
    expect(sumSamples(text, 'tolem_outbox_backlog_messages', { relay: 'outbox' })).toBe(0);
    expect(sumSamples(text, 'tolem_outbox_oldest_age_seconds', { relay: 'outbox' })).toBe(0);
    await relay.stop();
  });
});
