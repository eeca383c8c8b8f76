import type { Logger } from '@tolem/observability';
import type { Producer } from 'kafkajs';
import type { Knex } from 'knex';

import { OUTBOX_TABLE } from './outbox';

export interface OutboxRelayOptions {
  db: Knex;
  /** Must be idempotent with acks=all (see createOutboxProducer). */
  producer: Producer;
  log: Logger;
  batchSize?: number;
  pollMs?: number;
  /** Distinct per service database; one relay process publishes at a time. */
  lockKey?: number;
}

export interface OutboxRelay {
  /** Publish now instead of waiting for the next poll (call after a commit). */
  wake(): void;
  stop(): Promise<void>;
  /** Unpublished rows right now. */
  backlog(): Promise<number>;
}

interface OutboxRow {
  id: bigint;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: Buffer;
}

/**
 * Publishes outbox rows in id order, marking them only after the broker acknowledged (acks=all).
 * A session advisory lock elects one publisher per database, so two relays never interleave one
 * key's events; a crash between ack and mark republishes (at least once; consumers dedupe).
 * While Kafka is down rows simply wait, and drain in order once it is back.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, producer, log } = options;
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 100;
  const lockKey = options.lockKey ?? 7_000_001;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let lockConnection: Knex.Transaction | undefined;
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function holdLeadership(): Promise<boolean> {
    if (lockConnection) return true;
    // A transaction pins one pooled connection for the session-level advisory lock.
    const trx = await db.transaction();
    const result = await trx.raw('select pg_try_advisory_lock(?) as locked', [lockKey]);
    if (result.rows[0]?.locked === true) {
      lockConnection = trx;
      return true;
    }
    await trx.rollback();
    return false;
  }

  async function publishBatch(): Promise<number> {
    const rows: OutboxRow[] = await db(OUTBOX_TABLE)
      .select('id', 'topic', 'message_key', 'headers', 'payload')
      .whereNull('published_at')
      .orderBy('id')
      .limit(batchSize);
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((r) => ({ key: r.message_key, value: r.payload, headers: r.headers })),
      })),
    });
    await db(OUTBOX_TABLE)
      .whereIn(
        'id',
        rows.map((r) => r.id.toString()),
      )
      .update({ published_at: db.fn.now() });
    return rows.length;
  }

  const loop = (async () => {
    while (!stopped) {
      let published = 0;
      try {
        if (await holdLeadership()) published = await publishBatch();
        if (failures > 0) log.info({ afterFailures: failures }, 'outbox relay recovered');
        failures = 0;
      } catch (err) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          log.warn({ err, failures }, 'outbox publish failed; rows wait');
        if (lockConnection) {
          await lockConnection.rollback().catch(() => undefined);
          lockConnection = undefined;
        }
      }
      if (published < batchSize && !stopped) {
        await sleep(failures > 0 ? Math.min(5_000, 200 * 2 ** Math.min(failures, 5)) : pollMs);
      }
    }
  })();

  return {
    wake: () => wakeUp?.(),
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
      if (lockConnection) {
        await lockConnection.raw('select pg_advisory_unlock(?)', [lockKey]).catch(() => undefined);
        await lockConnection.rollback().catch(() => undefined);
      }
    },
    async backlog() {
      const row = await db(OUTBOX_TABLE)
        .whereNull('published_at')
        .count<{ count: bigint | string }[]>('* as count')
        .first();
      return Number(row?.count ?? 0);
    },
  };
}
