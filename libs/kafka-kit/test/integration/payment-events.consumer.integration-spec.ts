import { Writable } from 'node:stream';

import { PaymentMethod } from '@tolem/contracts/common';
import { PaymentEvent as PaymentEventProto } from '@tolem/contracts/events';
import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { createTopics } from '@tolem/infra';
import { createLogger } from '@tolem/observability';
import type { PaymentEvent } from '@tolem/payment-events';
import { freshDatabase, integrationEnv, uniqueTopic, waitFor } from '@tolem/testing';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CONSUMER_READINESS,
  createKafka,
  dlqTopicOf,
  processedEventsMigration,
  startPaymentEventsConsumer,
} from '../../src';

const log = createLogger({
  service: 'kafka-kit-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, d) => d() }),
});

describe('startPaymentEventsConsumer on real PostgreSQL and Kafka', () => {
  let db: Knex;
  let dropDb: () => Promise<void>;
  let kafka: Kafka;

  beforeAll(async () => {
    const fresh = await freshDatabase('kafka_kit_payment_events_it');
    dropDb = fresh.drop;
    db = createKnex({ url: fresh.url });
    await migrateLatest(db, { '0001_processed': processedEventsMigration });
    await db.raw('create table seen (event_id text primary key, event_type text, gross text)');
    kafka = createKafka({
      brokers: integrationEnv().kafkaBrokers.split(','),
      clientId: 'kafka-kit-payment-events-it',
      log,
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await dropDb?.();
  });

  it('hands the handler a typed event once per id, inside its transaction; an unknown currency goes to the DLQ', async () => {
    const topic = uniqueTopic('payment-events');
    const groupId = `group-${topic}`;
    await createTopics(integrationEnv().kafkaBrokers, [
      { topic, numPartitions: 1 },
      { topic: dlqTopicOf(topic, groupId), numPartitions: 1 },
    ]);
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
      readiness: {
        setReady(condition, ready) {
          expect(condition).toBe(CONSUMER_READINESS);
          readiness.push(ready);
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
        (await db('processed_events').orderBy('event_id')).map(
          (r: { event_id: string }) => r.event_id,
        ),
      ).toEqual(['evt_1', 'evt_2']);
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
    expect(readiness.at(-1)).toBe(false);
  });
});
