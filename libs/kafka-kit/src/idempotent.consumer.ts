import { isDomainError } from '@tolem/errors';
import { counter, gauge, metricsRegistry } from '@tolem/metrics';
import type { Logger } from '@tolem/observability';
import {
  type Consumer,
  type EachBatchPayload,
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
  /** See {@link MAX_MESSAGES_PER_TRANSACTION} (1 handles every message in its own transaction). */
  maxMessagesPerTransaction?: number;
  /** See {@link OFFSET_COMMIT_INTERVAL_MS}. */
  offsetCommitIntervalMs?: number;
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
    offsetCommits: counter(
      'tolem_kafka_offset_commits_total',
      'Offset commits a consumer group sent to the broker (at most one per interval while busy).',
      ['group', 'topic'],
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
 * Every transaction costs a durable commit. Handled one partition at a time, with an offset commit
 * after each message, a consumer on this 2-core machine kept up with 74-80 events/s (1,200
 * events, 6 partitions, one insert each); side by side with one offset commit per batch, 198-322.
 * The notifier and reporting each read every payment event, so that bounds whole payments/s.
 * Order only matters within a key, and a key stays in one partition, so partitions can go side
 * by side: their transactions then share PostgreSQL's WAL flushes.
 */
export const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 6;

/**
 * A partition's fetched messages are handled in transactions of at most this many: one BEGIN, one
 * dedupe INSERT and one COMMIT (a WAL flush) for the run instead of for every message. Small
 * enough that a transaction holds its locks briefly and a failure replays little one by one.
 */
export const MAX_MESSAGES_PER_TRANSACTION = 64;

/**
 * Offsets are committed to the broker at most this often (and when the consumer stops), not after
 * every fetched batch: at a few events per fetch that was an OffsetCommit request per event per
 * consumer group. Committing later only means that after a crash or a rebalance up to this much
 * is delivered again, which processed_events skips.
 */
export const OFFSET_COMMIT_INTERVAL_MS = 1_000;

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
 *
 * A partition's fetched messages are handled in runs, one transaction each (see
 * {@link MAX_MESSAGES_PER_TRANSACTION}), in offset order; a run that fails as a whole is handled
 * again one message per transaction, so poison still goes to the DLQ alone and a failing message
 * is retried after the ones before it committed.
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
  const {
    GROUP_JOIN,
    FETCH,
    HEARTBEAT,
    START_BATCH_PROCESS,
    END_BATCH_PROCESS,
    CRASH,
    COMMIT_OFFSETS,
  } = consumer.events;
  consumer.on(COMMIT_OFFSETS, () => metrics.offsetCommits.inc({ group: groupId, topic }));
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
  // kafkajs hands its offset commit functions only to eachBatch; kept here so that the last
  // offsets are committed once the consumer goes idle, and before it stops.
  let commits: Pick<EachBatchPayload, 'commitOffsetsIfNecessary' | 'uncommittedOffsets'> | null =
    null;
  const commitInterval = options.offsetCommitIntervalMs ?? OFFSET_COMMIT_INTERVAL_MS;
  const idleCommits = setInterval(() => {
    commits?.commitOffsetsIfNecessary().catch(() => undefined);
  }, commitInterval);
  idleCommits.unref();
  const stop = async () => {
    clearInterval(idleCommits);
    const pending = commits?.uncommittedOffsets();
    if (commits && pending && pending.topics.length > 0) {
      await commits.commitOffsetsIfNecessary(pending).catch(() => undefined);
    }
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

  /** The message as the handler sees it; PoisonMessage when it can never be handled. */
  function consumed(message: KafkaMessage, partition: number): ConsumedMessage<E> {
    const eventId = header(message.headers, 'event-id');
    const eventType = header(message.headers, 'event-type') ?? '';
    if (!eventId || !message.value) throw new PoisonMessage('missing event-id header or value');
    let event: E;
    try {
      event = options.decode(message.value);
    } catch (err) {
      throw new PoisonMessage(`undecodable payload: ${(err as Error).message}`);
    }
    return {
      eventId,
      eventType,
      event,
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? '',
    };
  }

  /** Records the event ids in processed_events; answers the ids that were new. */
  async function markProcessed(
    trx: Knex.Transaction,
    messages: readonly ConsumedMessage<E>[],
  ): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const inserted = (await trx(PROCESSED_EVENTS_TABLE)
      .insert(
        messages.map((m) => ({
          consumer_group: groupId,
          event_id: m.eventId,
          topic,
          partition: m.partition,
          offset: m.offset,
        })),
      )
      .onConflict(['consumer_group', 'event_id'])
      .ignore()
      .returning('event_id')) as { event_id: string }[];
    return new Set(inserted.map((r) => r.event_id));
  }

  async function handle(trx: Knex.Transaction, message: ConsumedMessage<E>): Promise<void> {
    try {
      await options.handle(trx, message);
    } catch (err) {
      if (isDomainError(err) && !err.retriable)
        throw new PoisonMessage(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  /** Handles one message; answers whether it was handled or skipped as a duplicate. */
  async function process(
    message: KafkaMessage,
    partition: number,
  ): Promise<'handled' | 'duplicate'> {
    const one = consumed(message, partition);
    let duplicate = false;
    await db.transaction(async (trx) => {
      if ((await markProcessed(trx, [one])).size === 0) {
        log.debug({ eventId: one.eventId }, 'duplicate event skipped');
        duplicate = true;
        return;
      }
      await handle(trx, one);
    });
    return duplicate ? 'duplicate' : 'handled';
  }

  /**
   * Handles a run of one partition's messages, in offset order, in one transaction; answers each
   * message's outcome, or null when the run could not be handled as a whole (a poison message, a
   * failed handler, a lost serialization race): nothing of it committed, and the caller handles
   * the run one message at a time, which sends poison to the DLQ and retries the rest. A repeated
   * event id within the run counts once, at its first offset.
   */
  async function processRun(
    messages: readonly KafkaMessage[],
    partition: number,
  ): Promise<('handled' | 'duplicate')[] | null> {
    let run: ConsumedMessage<E>[];
    try {
      run = messages.map((m) => consumed(m, partition));
    } catch (err) {
      if (err instanceof PoisonMessage) return null;
      throw err;
    }
    const seen = new Set<string>();
    const firsts = run.filter((m) => !seen.has(m.eventId) && seen.add(m.eventId));
    try {
      return await db.transaction(async (trx) => {
        const fresh = await markProcessed(trx, firsts);
        const outcomes: ('handled' | 'duplicate')[] = [];
        for (const [i, m] of run.entries()) {
          // Only the first offset of a new id is handled (`fresh` holds each id once).
          if (fresh.delete(m.eventId)) {
            await traceConsume({ topic, groupId, partition }, messages[i] as KafkaMessage, () =>
              handle(trx, m),
            );
            outcomes.push('handled');
          } else {
            outcomes.push('duplicate');
          }
        }
        return outcomes;
      });
    } catch (err) {
      log.debug({ err, partition, messages: run.length }, 'run failed; handling it one by one');
      return null;
    }
  }

  /** One message on its own: handled, a duplicate, or poison sent to the DLQ; throws to retry. */
  async function processOne(message: KafkaMessage, partition: number): Promise<void> {
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
  }

  const perTransaction = Math.max(
    1,
    options.maxMessagesPerTransaction ?? MAX_MESSAGES_PER_TRANSACTION,
  );

  const running = consumer.run({
    // A message's offset is resolved only once its transaction committed (or it went to the DLQ),
    // and resolved offsets are committed every commitInterval (see OFFSET_COMMIT_INTERVAL_MS). A
    // crash or a rebalance before that redelivers handled events, which processed_events skips.
    autoCommit: false,
    autoCommitInterval: commitInterval,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently:
      options.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({
      batch,
      resolveOffset,
      heartbeat,
      isRunning,
      isStale,
      commitOffsetsIfNecessary,
      uncommittedOffsets,
    }) => {
      commits = { commitOffsetsIfNecessary, uncommittedOffsets };
      const { messages, partition } = batch;
      for (let at = 0; at < messages.length; at += perTransaction) {
        // A rebalance took the partition, or the consumer is stopping: the rest is fetched again.
        if (!isRunning() || isStale()) return;
        const chunk = messages.slice(at, at + perTransaction);
        const outcomes = chunk.length > 1 ? await processRun(chunk, partition) : null;
        if (outcomes) {
          for (const o of outcomes) outcome(o);
          resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset);
        } else {
          for (const message of chunk) {
            if (!isRunning() || isStale()) return;
            await processOne(message, partition);
            resolveOffset(message.offset);
          }
        }
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    },
  });

  await running.catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { stop };
}
