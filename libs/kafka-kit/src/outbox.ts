import { traceHeaders } from '@tolem/observability';
import type { Knex } from 'knex';

import { encodeOutboxFrame, OUTBOX_BATCH_HEADER } from './outbox.batch';

/** Table every producing service has, written in the same transaction as the business rows. */
export const OUTBOX_TABLE = 'outbox';

export const outboxMigration = {
  async up(knex: Knex): Promise<void> {
    await knex.raw(`
      create table ${OUTBOX_TABLE} (
        id bigserial primary key,
        topic text not null,
        message_key text not null,
        headers jsonb not null default '{}'::jsonb,
        payload bytea not null,
        created_at timestamptz not null default now(),
        published_at timestamptz
      );
      create index outbox_unpublished_idx on ${OUTBOX_TABLE} (id) where published_at is null;
    `);
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTable(OUTBOX_TABLE);
  },
};

export interface OutboxMessage {
  topic: string;
  key: string;
  headers: Record<string, string>;
  payload: Uint8Array;
}

/** Messages by topic, each topic's in their original order. */
export function groupByTopic(messages: readonly OutboxMessage[]): Map<string, OutboxMessage[]> {
  const byTopic = new Map<string, OutboxMessage[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic);
    if (list) list.push(m);
    else byTopic.set(m.topic, [m]);
  }
  return byTopic;
}

/**
 * The message's headers with the W3C trace context (`traceparent`, `tracestate`) of the work
 * that wrote it, unless it names one already: stored with the row, published with the message,
 * so its consumers continue the trace of the transaction that produced it. Nothing is added
 * while tracing is off.
 */
export function withTraceHeaders(headers: Record<string, string>): Record<string, string> {
  const trace = traceHeaders();
  return trace['traceparent'] && !headers['traceparent'] ? { ...headers, ...trace } : headers;
}

/** Adds messages to the outbox inside the caller's transaction: they exist iff it commits. */
export async function enqueueOutbox(
  trx: Knex.Transaction,
  messages: OutboxMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await trx(OUTBOX_TABLE).insert(
    messages.map((m) => ({
      topic: m.topic,
      message_key: m.key,
      headers: JSON.stringify(withTraceHeaders(m.headers)),
      payload: Buffer.from(m.payload),
    })),
  );
}

/**
 * Like enqueueOutbox, but one row per topic holding all of that topic's messages in order (see
 * OUTBOX_BATCH_HEADER): for writers that commit many events in one transaction.
 */
export async function enqueueOutboxBatch(
  trx: Knex.Transaction,
  messages: OutboxMessage[],
): Promise<void> {
  const byTopic = groupByTopic(messages);
  if (byTopic.size === 0) return;
  await trx(OUTBOX_TABLE).insert(
    [...byTopic].map(([topic, list]) => ({
      topic,
      message_key: '',
      headers: JSON.stringify({ [OUTBOX_BATCH_HEADER]: String(list.length) }),
      payload: Buffer.concat(
        list.map((m) => encodeOutboxFrame({ ...m, headers: withTraceHeaders(m.headers) })),
      ),
    })),
  );
}
