import { Writable } from 'node:stream';

import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { createTopics } from '@tolem/infra';
import { createLogger } from '@tolem/observability';
import {
  freePort,
  freshDatabase,
  integrationEnv,
  startTcpForwarder,
  uniqueTopic,
  waitFor,
} from '@tolem/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKafka, processedEventsMigration, startIdempotentConsumer } from '../../src';

const log = createLogger({
  service: 'kafka-kit-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

describe('supervised consumer on real PostgreSQL and Kafka', () => {
  let db: Knex;
  let dropDb: () => Promise<void>;
  const broker = integrationEnv().kafkaBrokers.split(',')[0] as string;

  beforeAll(async () => {
    const fresh = await freshDatabase('kafka_kit_recovery');
    dropDb = fresh.drop;
    db = createKnex({ url: fresh.url });
    await migrateLatest(db, { '0001_processed': processedEventsMigration });
    await db.raw('create table handled (event_id text primary key, body text)');
  });

  afterAll(async () => {
    await db?.destroy();
    await dropDb?.();
  });

  async function produce(topic: string, eventId: string, body: string): Promise<void> {
    const producer = createKafka({
      brokers: [broker],
      clientId: 'recovery-producer',
      log,
      security: { protocol: 'PLAINTEXT' },
    }).producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'k', value: body, headers: { 'event-id': eventId, 'event-type': 't' } }],
    });
    await producer.disconnect();
  }

  it('a consumer started while the broker is unreachable keeps retrying and consumes once it is back', async () => {
    const topic = uniqueTopic('recovery_start');
    await createTopics(broker, [{ topic, numPartitions: 1 }]);
    await produce(topic, 'evt_start_1', 'waited for the broker');

    // The consumer's only bootstrap address answers nothing until the forwarder starts.
    const port = await freePort();
    const kafka = createKafka({
      brokers: [`127.0.0.1:${port}`],
      clientId: 'recovery-it',
      log,
      security: { protocol: 'PLAINTEXT' },
    });
    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId: `group-${topic}`,
      topic,
      minBackoffMs: 100,
      maxBackoffMs: 500,
      decode: (v) => v.toString(),
      async handle(trx, msg) {
        await trx('handled').insert({ event_id: msg.eventId, body: msg.event });
      },
    });
    const readiness: boolean[] = [];
    consumer.onConsumingChange((c) => readiness.push(c));
    await waitFor(() => consumer.restarts() >= 2, { timeoutMs: 60_000, what: 'two failed starts' });
    expect(consumer.isConsuming()).toBe(false);

    const forwarder = await startTcpForwarder(broker, port);
    try {
      const row = await waitFor(
        async () =>
          (await db('handled').where({ event_id: 'evt_start_1' }))[0] as
            | { body: string }
            | undefined,
        { timeoutMs: 60_000, what: 'the event handled after the broker came back' },
      );
      expect(row.body).toBe('waited for the broker');
      await waitFor(() => consumer.isConsuming(), { timeoutMs: 30_000, what: 'consuming' });
      expect(readiness).toEqual([false, true]);
    } finally {
      await consumer.stop();
      await forwarder.close();
    }
    expect(consumer.isConsuming()).toBe(false);
  });

  it('a consumer that crashes is restarted and the event is handled once', async () => {
    const topic = uniqueTopic('recovery_crash');
    await createTopics(broker, [{ topic, numPartitions: 1 }]);
    await produce(topic, 'evt_crash_1', 'fails twice');

    // Few in-place retries, so kafkajs gives up on the message (and the consumer crashes) quickly.
    const kafka = new Kafka({
      brokers: [broker],
      clientId: 'recovery-crash-it',
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 100 },
    });
    let calls = 0;
    const consumer = startIdempotentConsumer<string>({
      kafka,
      db,
      log,
      groupId: `group-${topic}`,
      topic,
      minBackoffMs: 100,
      maxBackoffMs: 500,
      decode: (v) => v.toString(),
      async handle(trx, msg) {
        calls += 1;
        if (calls <= 2) throw new Error('database briefly unavailable');
        await trx('handled').insert({ event_id: msg.eventId, body: msg.event });
      },
    });
    try {
      await waitFor(
        async () => (await db('handled').where({ event_id: 'evt_crash_1' })).length === 1,
        { timeoutMs: 60_000, what: 'the event handled after restarts' },
      );
      expect(consumer.restarts()).toBeGreaterThanOrEqual(1);
      await waitFor(() => consumer.isConsuming(), { timeoutMs: 30_000, what: 'consuming again' });
      expect(calls).toBe(3);
    } finally {
      await consumer.stop();
    }
  });
});
