import { isDomainError } from '@tolem/errors';
import { counter, gauge, metricsRegistry } from '@tolem/metrics';
import type { Logger } from '@tolem/observability';
import {
  type Consumer,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';

import {
  type AttemptSignals,
  type ConsumerAttempt,
  superviseConsumer,
  type SuperviseConsumerOptions,
  type SupervisedConsumer,
} from './consumer.supervisor';
import { dlqTopicOf } from './kafka';
import { traceConsume } from './tracing';

export const PROCESSED_EVENTS_TABLE = 'processed_events';

/** Dedupe table for a consuming service: one row per (group, event id) handled. */
export const processedEventsMigration = {
  async up(knex: Knex): Promise<void> {
    await knex.raw(`
      create table ${PROCESSED_EVENTS_TABLE} (
        consumer_group text not null,
        event_id text not null,
        topic text not null,
        partition integer not null,
        "offset" bigint not null,
        processed_at timestamptz not null default now(),
        primary key (consumer_group, event_id)
      )`);
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable(PROCESSED_EVENTS_TABLE);
  },
};

export interface ConsumedMessage<E> {
  eventId: string;
  eventType: string;
  event: E;
  topic: string;
  partition: number;
  offset: string;
  key: string;
}

export interface IdempotentConsumerOptions<E> {
  kafka: Kafka;
  db: Knex;
  log: Logger;
  groupId: string;
  topic: string;
  decode(value: Buffer): E;
  /**
   * Does the work inside the transaction that also records the event id. Throw a DomainError
   * that is not retriable for a message that can never succeed (it goes to the DLQ); anything
   * else is retried.
   */
  handle(trx: Knex.Transaction, message: ConsumedMessage<E>): Promise<void>;
  /**
   * Partitions handled at once, each still strictly in offset order (default
   * {@link DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY}). Each pooled connection holds one
   * partition's transaction, so keep it below the pool size.
   */
  partitionsConsumedConcurrently?: number;
  /** Where lag and processed counts go (default: the process's registry). */
  metrics?: Registry;
}

function consumerMetrics(registry: Registry) {
  return {
    processed: counter(
      'tolem_kafka_messages_processed_total',
      'Messages a consumer group finished with, by outcome: handled, duplicate (skipped by the ' +
        'dedupe table), dlq (poison, sent to the dead-letter topic) or failed (will be retried).',
      ['group', 'topic', 'outcome'],
      registry,
    ),
    lag: gauge(
      'tolem_kafka_consumer_lag_messages',
      'Messages of a partition the group has not processed yet, as of its last fetched batch ' +
        "(the broker's high watermark minus the batch's offsets).",
      ['group', 'topic', 'partition'],
      registry,
    ),
  };
}

/**
 * Every message costs a durable commit. Handled one partition at a time, with an offset commit
 * after each message, a consumer on this 2-core machine kept up with 74-80 events/s (1,200
 * events, 6 partitions, one insert each); side by side with one offset commit per batch, 198-322.
 * The notifier and reporting each read every payment event, so that bounds whole payments/s.
 * Order only matters within a key, and a key stays in one partition, so partitions can go side
 * by side: their transactions then share PostgreSQL's WAL flushes.
 */
export const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 6;

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Poison: a message we can never handle. Sent to the DLQ and committed so it never blocks. */
class PoisonMessage extends Error {}

/**
 * Consumer settings, each chosen for recovery after a broker outage (a frozen broker holds
 * connections open without answering, so only timeouts notice it):
 * - sessionTimeout 10 s (the Java client's default until Kafka 3.0): a replacement's join waits
 *   for the dead member it replaces (SIGKILLed, or killed while the broker was frozen) to time out,
 *   measured 15-16 s after a frozen broker resumed at 15 s; heartbeats go every 3 s, so three may
 *   be missed to a busy event loop before a needless rebalance.
 * - rebalanceTimeout 20 s: kafkajs waits this long plus 5 s for a JoinGroup answer, so a join sent
 *   to a frozen broker is given up after 25 s instead of the default 65 s.
 */
export const CONSUMER_TIMEOUTS = Object.freeze({
  sessionTimeout: 10_000,
  rebalanceTimeout: 20_000,
  heartbeatInterval: 3_000,
});

/**
 * At-least-once in, exactly-once effect: the work and the event id commit in one database
 * transaction, and the Kafka offset is committed only after that transaction. The consumer is
 * supervised (see superviseConsumer): it keeps trying while the broker is away, restarts after
 * a crash, and reports whether it is consuming, for readiness.
 *
 * Duplicates: an event is handled at most once per group (the processed_events row commits with
 * the work). A crash between that commit and the offset commit only redelivers an event the
 * dedupe table skips.
 */
export function startIdempotentConsumer<E>(
  options: IdempotentConsumerOptions<E> &
    Pick<SuperviseConsumerOptions, 'minBackoffMs' | 'maxBackoffMs'>,
): SupervisedConsumer {
  return superviseConsumer({
    name: `${options.groupId} ${options.topic}`,
    log: options.log,
    minBackoffMs: options.minBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
    start: (signals) => runIdempotentConsumer(options, signals),
  });
}

/** One attempt: a fresh kafkajs consumer (and DLQ producer), connected, subscribed and running. */
async function runIdempotentConsumer<E>(
  options: IdempotentConsumerOptions<E>,
  signals: AttemptSignals,
): Promise<ConsumerAttempt> {
  const { kafka, db, log, groupId, topic } = options;
  const metrics = consumerMetrics(options.metrics ?? metricsRegistry);
  const outcome = (name: 'handled' | 'duplicate' | 'dlq' | 'failed') =>
    metrics.processed.inc({ group: groupId, topic, outcome: name });
  const consumer: Consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    ...CONSUMER_TIMEOUTS,
    // kafkajs restarts only the crashes it deems retriable, in place and without growing backoff;
    // superviseConsumer replaces the consumer after every crash instead.
    retry: { restartOnFailure: () => Promise.resolve(false) },
  });
  const dlqProducer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The murmur2 partitioner Java clients use, so a payment id maps to the same partition everywhere.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const { GROUP_JOIN, FETCH, HEARTBEAT, START_BATCH_PROCESS, END_BATCH_PROCESS, CRASH } =
    consumer.events;
  // The partitions this consumer reported lag for: after a rebalance moves one to another
  // replica, or when this consumer stops, its last value must go, or it would stay frozen and
  // keep a lag alert firing for a partition someone else is consuming.
  const lagPartitions = new Set<number>();
  const lagLabels = (partition: number) => ({
    group: groupId,
    topic,
    partition: String(partition),
  });
  const forgetLag = (keep: readonly number[]) => {
    for (const p of lagPartitions) {
      if (keep.includes(p)) continue;
      metrics.lag.remove(lagLabels(p));
      lagPartitions.delete(p);
    }
  };
  consumer.on(GROUP_JOIN, ({ payload }) => {
    forgetLag(payload.memberAssignment[topic] ?? []);
    signals.joined();
  });
  // Lag from the batch kafkajs fetched (no admin round trip per scrape): when a batch starts,
  // everything from its first offset on is unprocessed; when it ends, what lies past its last.
  // A message that keeps failing is fetched again and again, so its partition's lag keeps growing.
  consumer.on(START_BATCH_PROCESS, ({ payload }) => {
    lagPartitions.add(payload.partition);
    metrics.lag.set(
      { group: groupId, topic: payload.topic, partition: String(payload.partition) },
      Number(payload.offsetLagLow) + 1,
    );
  });
  consumer.on(END_BATCH_PROCESS, ({ payload }) =>
    metrics.lag.set(
      { group: groupId, topic: payload.topic, partition: String(payload.partition) },
      Math.max(0, Number(payload.offsetLag)),
    ),
  );
  for (const event of [FETCH, HEARTBEAT, END_BATCH_PROCESS])
    consumer.on(event, () => signals.active());
  consumer.on(CRASH, (e) => signals.crashed(e.payload.error));
  const stop = async () => {
    await consumer.disconnect().catch(() => undefined);
    await dlqProducer.disconnect().catch(() => undefined);
    forgetLag([]);
  };
  try {
    await Promise.all([consumer.connect(), dlqProducer.connect()]);
    await consumer.subscribe({ topic, fromBeginning: true });
  } catch (err) {
    await stop();
    throw err;
  }

  /** Handles one message; answers whether it was handled or skipped as a duplicate. */
  async function process(
    message: KafkaMessage,
    partition: number,
  ): Promise<'handled' | 'duplicate'> {
    const eventId = header(message.headers, 'event-id');
    const eventType = header(message.headers, 'event-type') ?? '';
    if (!eventId || !message.value) throw new PoisonMessage('missing event-id header or value');
    let event: E;
    try {
      event = options.decode(message.value);
    } catch (err) {
      throw new PoisonMessage(`undecodable payload: ${(err as Error).message}`);
    }
    let duplicate = false;
    await db.transaction(async (trx) => {
      const inserted = await trx(PROCESSED_EVENTS_TABLE)
        .insert({
          consumer_group: groupId,
          event_id: eventId,
          topic,
          partition,
          offset: message.offset,
        })
        .onConflict(['consumer_group', 'event_id'])
        .ignore()
        .returning('event_id');
      if (inserted.length === 0) {
        log.debug({ eventId }, 'duplicate event skipped');
        duplicate = true;
        return;
      }
      try {
        await options.handle(trx, {
          eventId,
          eventType,
          event,
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
        });
      } catch (err) {
        if (isDomainError(err) && !err.retriable)
          throw new PoisonMessage(`${err.code}: ${err.message}`);
        throw err;
      }
    });
    return duplicate ? 'duplicate' : 'handled';
  }

  const running = consumer.run({
    // kafkajs resolves a message's offset only once eachMessage returned (its transaction
    // committed, or it went to the DLQ), and commits the resolved offsets after each batch and
    // before rethrowing a failure: one offset commit per batch instead of a round trip to the
    // broker after every message. A crash in between redelivers handled events, which the
    // processed-events table skips.
    autoCommit: true,
    partitionsConsumedConcurrently:
      options.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
    eachMessage: async ({ message, partition }) => {
      try {
        outcome(
          await traceConsume({ topic, groupId, partition }, message, () =>
            process(message, partition),
          ),
        );
      } catch (err) {
        if (!(err instanceof PoisonMessage)) {
          outcome('failed');
          log.warn({ err, partition, offset: message.offset }, 'event handling failed; will retry');
          throw err;
        }
        log.error(
          { reason: err.message, partition, offset: message.offset },
          'poison message sent to DLQ',
        );
        await dlqProducer.send({
          topic: dlqTopicOf(topic, groupId),
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                'dlq-reason': err.message,
                'dlq-source-offset': message.offset,
              },
            },
          ],
        });
        outcome('dlq');
      }
    },
  });

  await running.catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { stop };
}
