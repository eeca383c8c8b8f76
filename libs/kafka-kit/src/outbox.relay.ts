import { gaugeOnScrape, metricsRegistry } from '@tolem/metrics';
import type { Logger } from '@tolem/observability';
import { startLoop } from '@tolem/runtime';
import type { Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';

import { groupByTopic, OUTBOX_TABLE, type OutboxMessage } from './outbox';
import { OUTBOX_MESSAGES_SQL, outboxMessagesOf, type OutboxRow } from './outbox.batch';

export interface OutboxRelayOptions {
  db: Knex;
  /**
   * Connects a new producer, idempotent with one request in flight (createOutboxProducer). Called
   * at the start and again after every failed publish: the relay owns and disconnects it.
   */
  connectProducer(): Promise<Producer>;
  log: Logger;
  /** Messages per publish round (a batch row is never split; one round takes at least one row). */
  batchSize?: number;
  pollMs?: number;
  /** Distinct per service database; one relay process publishes at a time. */
  lockKey?: number;
  /**
   * How long a query on the lock's session may go unanswered before that session counts as dead
   * (default 15 s; a round's queries take milliseconds).
   */
  lockQueryTimeoutMs?: number;
  /** Where the backlog gauges go (default: the process's registry). */
  metrics?: Registry;
}

export interface OutboxRelay {
  /** Publish now instead of waiting for the next poll (call after a commit). */
  wake(): void;
  /** Stops after the round in hand and disconnects the producer. */
  stop(): Promise<void>;
  /** Unpublished messages right now (a batch row counts its messages). */
  backlog(): Promise<number>;
}

interface StoredRow extends OutboxRow {
  id: bigint;
}

/** The pooled pg client that holds the relay's session-level advisory lock. */
interface LockConnection {
  query<R>(text: string, values: unknown[]): Promise<{ rows: R[] }>;
  once(event: 'error' | 'end', listener: () => void): unknown;
  removeListener(event: 'error' | 'end', listener: () => void): unknown;
  /** pg's socket, destroyed to give up a session that stopped answering. */
  connection?: { stream?: { destroy(): void } };
  /** Set on a connection knex must destroy rather than pool again. */
  __knex__disposed?: unknown;
}

/**
 * Taken with the lock: the server probes the session's TCP connection when idle and gives up on
 * unacknowledged data, so a relay whose host vanished (no FIN, no RST) releases the lock in about
 * 30 s instead of at the kernel's default two hours, and another replica takes over.
 */
const TAKE_LOCK_SQL = `
select pg_try_advisory_lock($1) as locked,
       set_config('tcp_keepalives_idle', '10', false),
       set_config('tcp_keepalives_interval', '5', false),
       set_config('tcp_keepalives_count', '3', false),
       set_config('tcp_user_timeout', '30000', false)`;

/** The leader's session and what to call to stop listening for its death. */
interface Leadership {
  conn: LockConnection;
  forget(): void;
}

/**
 * Publishes outbox rows in id order, marking them only after the broker acknowledged (acks=all).
 * A session advisory lock elects one publisher per database, so two relays never interleave one
 * key's events. While Kafka is down or frozen rows simply wait, and drain in order once it is back.
 *
 * A failed publish throws its producer away and the next round connects a new one. A request the
 * client timed out may still have been appended by a frozen broker once it resumed; a retry by
 * the same idempotent producer with different batch boundaries would then be refused for ever
 * (OUT_OF_ORDER_SEQUENCE_NUMBER), whereas a new producer id starts a new sequence.
 *
 * Duplicate window: messages the broker appended but the relay did not mark (a timed-out
 * request, or a crash between the ack and the update) are published again. Each carries the same
 * `event-id` header, and consumers dedupe on it (startIdempotentConsumer).
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, log } = options;
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 100;
  const lockKey = options.lockKey ?? 7_000_001;
  const lockQueryTimeoutMs = options.lockQueryTimeoutMs ?? 15_000;
  let stopped = false;
  let leadership: Leadership | undefined;
  let producer: Producer | undefined;
  /** Set while Kafka is being talked to: a failure then renews the producer. */
  let inKafka = false;
  let abortConnect: ((err: Error) => void) | undefined;

  /**
   * A connect to a broker that does not answer takes its retries' worth of time (about 20 s
   * refused, minutes frozen); stop() abandons it rather than wait, and a late producer is closed.
   */
  function connectUnlessStopped(): Promise<Producer> {
    const connecting = options.connectProducer();
    return new Promise<Producer>((resolve, reject) => {
      abortConnect = reject;
      connecting.then((connected) => {
        if (!stopped) return resolve(connected);
        void connected.disconnect().catch(() => undefined);
        reject(new Error('outbox relay stopped'));
      }, reject);
    }).finally(() => {
      abortConnect = undefined;
    });
  }

  /** Forgets a lock whose session is gone; the dead connection goes back for the pool to discard. */
  function loseLeadership(conn: LockConnection, why: string): void {
    if (leadership?.conn !== conn) return;
    leadership.forget();
    leadership = undefined;
    log.warn({ lockKey }, `outbox relay ${why}; publishing waits to take the lock again`);
    void db.client.releaseConnection(conn).catch(() => undefined);
  }

  /**
   * Gives up a session that stopped answering (a network path that dropped it without telling
   * either side): its socket is destroyed, which also ends it at a server that still hears us and
   * so releases its lock there, and knex destroys the connection instead of pooling it again.
   */
  function abandon(conn: LockConnection): void {
    conn.__knex__disposed = 'the outbox relay lock session stopped answering';
    conn.connection?.stream?.destroy();
    loseLeadership(conn, `lock session did not answer in ${lockQueryTimeoutMs} ms`);
  }

  /**
   * A query on the lock's session. A TCP connection whose peer went silent answers neither with
   * data nor with an error for many minutes, so no answer in lockQueryTimeoutMs ends the session.
   */
  async function ask<R>(conn: LockConnection, text: string, values: unknown[]) {
    const asked = conn.query<R>(text, values);
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        asked.catch(() => undefined);
        abandon(conn);
        reject(
          new Error(`the outbox relay lock session did not answer in ${lockQueryTimeoutMs} ms`),
        );
      }, lockQueryTimeoutMs);
    });
    try {
      return await Promise.race([asked, silent]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Leadership is a session-level advisory lock on a pooled connection the relay keeps to itself,
   * and every read and mark of a round runs on that session: when it dies (the server restarted,
   * or terminated it), the lock went with it and another relay may hold it now, so the round
   * fails instead of publishing beside the new holder. The relay then waits to take the lock
   * again, and hands the dead connection back for the pool to discard.
   */
  async function holdLeadership(): Promise<LockConnection | undefined> {
    if (leadership) return leadership.conn;
    const conn = (await db.client.acquireConnection()) as LockConnection;
    let locked = false;
    try {
      const result = await ask<{ locked: boolean }>(conn, TAKE_LOCK_SQL, [lockKey]);
      locked = result.rows[0]?.locked === true;
    } finally {
      if (!locked) await db.client.releaseConnection(conn);
    }
    if (!locked) return undefined;
    const lost = () => loseLeadership(conn, 'lost the connection holding its lock');
    conn.once('error', lost);
    conn.once('end', lost);
    leadership = {
      conn,
      forget: () => {
        conn.removeListener('error', lost);
        conn.removeListener('end', lost);
      },
    };
    return conn;
  }

  /** Throws unless `conn` still holds the lock as far as this process knows. */
  function stillLeading(conn: LockConnection): void {
    if (leadership?.conn !== conn) throw new Error('outbox relay lost its lock during the round');
  }

  async function releaseLeadership(): Promise<void> {
    const held = leadership;
    if (!held) return;
    leadership = undefined;
    held.forget();
    await ask(held.conn, 'select pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    await db.client.releaseConnection(held.conn).catch(() => undefined);
  }

  /** Sends messages in order, at most batchSize per request (a request has a size limit). */
  async function send(conn: LockConnection, messages: OutboxMessage[]): Promise<void> {
    inKafka = true;
    producer ??= await connectUnlessStopped();
    for (let i = 0; i < messages.length; i += batchSize) {
      stillLeading(conn);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...groupByTopic(messages.slice(i, i + batchSize))].map(([topic, list]) => ({
          topic,
          messages: list.map((m) => ({
            key: m.key,
            // Rows and frames are Buffers already (a frame is a view into its row's payload).
            value: Buffer.isBuffer(m.payload) ? m.payload : Buffer.from(m.payload),
            headers: m.headers,
          })),
        })),
      });
    }
    inKafka = false;
  }

  /** Publishes the oldest unpublished rows; answers how many messages they held. */
  async function publishBatch(conn: LockConnection): Promise<number> {
    // Sizes first, payloads only of the rows this round takes: a batch row holds hundreds of
    // events, and reading every unpublished one to publish a few was most of the relay's cost.
    const { rows: heads } = await ask<{ id: bigint; messages: string }>(
      conn,
      `select id, ${OUTBOX_MESSAGES_SQL}::text as messages from ${OUTBOX_TABLE}
        where published_at is null order by id limit $1`,
      [batchSize],
    );
    if (heads.length === 0) return 0;
    const takeIds: string[] = [];
    let counted = 0;
    for (const head of heads) {
      if (takeIds.length > 0 && counted >= batchSize) break;
      takeIds.push(head.id.toString());
      counted += Number(head.messages);
    }
    const { rows } = await ask<StoredRow>(
      conn,
      `select id, topic, message_key, headers, payload from ${OUTBOX_TABLE}
        where id = any($1::bigint[]) order by id`,
      [takeIds],
    );
    const taken: StoredRow[] = [];
    const messages: OutboxMessage[] = [];
    for (const row of rows) {
      let expanded: OutboxMessage[];
      try {
        expanded = outboxMessagesOf(row);
      } catch (err) {
        // A row we cannot read blocks everything after it (order); say so loudly, keep it.
        if (taken.length > 0) break;
        throw new Error(`outbox row ${row.id}: ${(err as Error).message}`);
      }
      taken.push(row);
      messages.push(...expanded);
    }
    await send(conn, messages);
    stillLeading(conn);
    await ask(
      conn,
      `update ${OUTBOX_TABLE} set published_at = now() where id = any($1::bigint[])`,
      [taken.map((r) => r.id.toString())],
    );
    return messages.length;
  }

  /**
   * One round; a failed publish renews the producer and rethrows. The lock stays: a relay that
   * let go of it on every failure left it held by a pooled session (a rollback does not release
   * a session lock), where neither it nor another relay could take it until the pool closed
   * that connection.
   */
  async function round(): Promise<number> {
    try {
      const conn = await holdLeadership();
      return conn ? await publishBatch(conn) : 0;
    } catch (err) {
      if (inKafka) {
        inKafka = false;
        const broken = producer;
        producer = undefined;
        await broken?.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  // A full batch is followed at once by the next; failures back off from 200 ms to 5 s.
  const loop = startLoop({
    name: 'outbox-relay',
    runOnce: round,
    intervalMs: pollMs,
    log,
    fullBatch: batchSize,
    immediate: true,
    maxBackoffMs: 5_000,
  });

  async function backlog(): Promise<number> {
    const result = await db.raw(
      `select coalesce(sum(${OUTBOX_MESSAGES_SQL}), 0)::text as count from ${OUTBOX_TABLE} where published_at is null`,
    );
    return Number((result.rows as { count: string }[])[0]?.count ?? 0);
  }

  // Read on scrape from the unpublished-rows index: a relay that stopped publishing (Kafka down,
  // a row it cannot read) shows as a growing backlog and age even though nothing logs.
  const registry = options.metrics ?? metricsRegistry;
  gaugeOnScrape(
    'tolem_outbox_backlog_messages',
    'Messages written to the outbox and not yet acknowledged by Kafka.',
    ['relay'],
    async (set) => set({ relay: 'outbox' }, await backlog()),
    registry,
  );
  gaugeOnScrape(
    'tolem_outbox_oldest_age_seconds',
    'Age of the oldest unpublished outbox row (0 when none waits).',
    ['relay'],
    async (set) => {
      const row = await db(OUTBOX_TABLE)
        .whereNull('published_at')
        .orderBy('id')
        .first(db.raw('extract(epoch from now() - created_at)::float8 as age'));
      set(
        { relay: 'outbox' },
        Math.max(0, Number((row as { age?: number } | undefined)?.age ?? 0)),
      );
    },
    registry,
  );

  return {
    wake: () => loop.wake(),
    async stop() {
      stopped = true;
      abortConnect?.(new Error('outbox relay stopped'));
      await loop.stop();
      await releaseLeadership();
      await producer?.disconnect().catch(() => undefined);
    },
    backlog,
  };
}
