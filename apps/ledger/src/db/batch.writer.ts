import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { encodeOutboxFrame, OUTBOX_BATCH_HEADER, type OutboxMessage } from '@tolem/kafka-kit';
import { type TraceContext, withTraceContext } from '@tolem/observability';

import { type Account, accountKey } from '../domain/accounts';
import type { PaymentEventRecord } from '../domain/events';
import type { Transaction } from '../domain/journal';
import type { TransactionBody, TransactionHead } from '../domain/ports';
import { SEQUENCE_SLOT_BYTES } from '../kafka/payment-event.message';
import type { AccountStore } from './accounts.store';
import { recordToRow } from './payments.rows';

/** One transaction to write: its id is chosen up front so a batch can tell its rows apart. */
export interface Entry {
  id: string;
  head: TransactionHead;
  body: TransactionBody;
  shard: number;
  /**
   * The trace of the call that asked for it: a batch is written under whichever call flushed it,
   * so each entry's events take their trace context from here.
   */
  trace?: TraceContext;
}

/**
 * Whether an entry can take the one-statement path: it creates its payment (no register
 * update, or the take-over of an `open` row of status facts) and emits at most one event, of
 * its own payment, whose sequence the statement fills in from the payment's counter. Anything
 * else takes the general path.
 */
export function fastEligible(entry: Entry): boolean {
  const { payment, events } = entry.body;
  if (entry.head.reversesTransactionId || entry.body.unapplied) return false;
  if (payment && payment.op !== 'insert') return false;
  if (events.length > 1) return false;
  return events.every((e) => e.paymentId === entry.head.paymentId && payment?.op === 'insert');
}

/**
 * The whole batch as ONE statement (data-modifying CTEs) in autocommit: one round trip, one
 * commit, one fsync, whatever the batch size. Rows come in as JSON documents, which cost less
 * to build than array literals, typed jsonb so that PostgreSQL parses each once (a json
 * parameter is lexed by json_in and again by json_to_recordset). The statement checks
 * itself and aborts as a whole (SQLSTATE LDG01) when a payment already has its register row
 * (a race the head filter did not see) or a debit would overdraw a merchant that may not go
 * negative; the caller then writes the items one by one on the general path, which names the
 * failing item. Heads whose key (or payment posting) exists are skipped by ON CONFLICT DO
 * NOTHING, and everything else of theirs is filtered out by joining on the inserted heads.
 * The events of the inserted heads become one kafka-kit batch row per topic (frames in order).
 *
 * Lock order matches the general path as far as one statement allows; lanes are disjoint by
 * merchant and system shard, and a deadlock (40P01) only sends the batch down the general path.
 */
const BATCH_SQL = /* sql */ `
with
  -- Heads and payments are read field by field (->>, ->) rather than with jsonb_to_recordset,
  -- which turns a nested jsonb field (fingerprint, details) back into text and parses it again.
  h_in as (
    select e->>'id' as id, e->>'k' as k, e->>'kind' as kind, e->>'pid' as pid, e->'fp' as fp,
           (e->>'np')::boolean as np
      from jsonb_array_elements($1::jsonb) e
  ),
  -- A head that would create a payment the register already has (posted or held; an open
  -- row of status facts is taken over below) is skipped like a duplicate key, so a payment
  -- posted under another key costs its batch nothing. A scalar subquery with LIMIT (not EXISTS)
  -- so that it stays a per-row primary key probe: as a semi join the planner may hash the whole
  -- register for a batch it guesses at 100 rows.
  heads as (
    insert into transactions (id, idempotency_key, kind, payment_id, fingerprint)
    select id, k, kind, pid, fp from h_in
     where not (np and coalesce((select p.status <> 'open' from payments p where p.payment_id = h_in.pid limit 1), false))
     order by k
    on conflict do nothing
    returning id, created_at
  ),
  p_in as (
    select e->>'txn' as txn, e->>'payment_id' as payment_id, e->>'merchant_id' as merchant_id,
           e->>'currency' as currency, e->>'method' as method, e->>'provider' as provider,
           (e->>'shard')::smallint as shard, e->>'status' as status,
           (e->>'held_minor')::bigint as held_minor,
           (e->>'hold_expires_at')::timestamptz as hold_expires_at,
           (e->>'gross_minor')::bigint as gross_minor, (e->>'fee_minor')::bigint as fee_minor,
           (e->>'refunded_minor')::bigint as refunded_minor,
           (e->>'last_sequence')::bigint as last_sequence, e->'details' as details,
           (e->>'occurred_at')::timestamptz as occurred_at
      from jsonb_array_elements($2::jsonb) e
  ),
  p_want as (select p.* from p_in p join heads h on h.id = p.txn),
  pays as (
    insert into payments (payment_id, merchant_id, currency, method, provider, shard, status,
                          held_minor, hold_expires_at, gross_minor, fee_minor, refunded_minor,
                          last_sequence, details, occurred_at)
    select payment_id, merchant_id, currency, method, provider, shard, status, held_minor,
           hold_expires_at, gross_minor, fee_minor, refunded_minor, last_sequence, details,
           occurred_at
      from p_want order by payment_id
    -- An open row (status facts, no money yet) is taken over under its row lock and keeps
    -- counting its events; any other row means the payment was taken (asserted below).
    on conflict (payment_id) do update set
      currency = excluded.currency, method = excluded.method, provider = excluded.provider,
      shard = excluded.shard, status = excluded.status, held_minor = excluded.held_minor,
      hold_expires_at = excluded.hold_expires_at, gross_minor = excluded.gross_minor,
      fee_minor = excluded.fee_minor, refunded_minor = excluded.refunded_minor,
      last_sequence = payments.last_sequence + excluded.last_sequence,
      details = excluded.details, occurred_at = excluded.occurred_at, updated_at = now()
      where payments.status = 'open' and payments.merchant_id = excluded.merchant_id
    returning payment_id, last_sequence
  ),
  l_in as (
    select * from jsonb_to_recordset($3::jsonb)
      as x(txn text, account_id text, amount bigint, currency text, pending boolean, ord int)
  ),
  legs as (select l.* from l_in l join heads h on h.id = l.txn),
  posts as (
    insert into postings (transaction_id, account_id, amount_minor, currency, pending)
    select txn, account_id, amount, currency, pending from legs order by ord
    returning 1
  ),
  deltas as (
    select account_id,
           coalesce(sum(amount) filter (where amount > 0 and not pending), 0) as d,
           coalesce(-sum(amount) filter (where amount < 0 and not pending), 0) as c,
           coalesce(sum(amount) filter (where amount > 0 and pending), 0) as dp,
           coalesce(-sum(amount) filter (where amount < 0 and pending), 0) as cp
      from legs group by account_id
  ),
  -- Every account gets its balance row when it is created, so this is a plain UPDATE: an
  -- upsert probed the index, locked the row (a WAL record) and fetched it again, per account.
  -- Lanes own disjoint accounts, so the unsorted row order cannot deadlock two batches; a
  -- missing row (an account from before that rule) fails the count below, and the general path
  -- upserts it.
  bal as (
    update balances b set
      debits_posted = b.debits_posted + d.d,
      credits_posted = b.credits_posted + d.c,
      debits_pending = b.debits_pending + d.dp,
      credits_pending = b.credits_pending + d.cp,
      updated_at = now()
      from deltas d
     where b.account_id = d.account_id
    returning b.account_id, b.debits_posted, b.credits_posted
  ),
  e_in as (
    select * from jsonb_to_recordset($4::jsonb) as x(txn text, topic text, frame text, ord int)
  ),
  -- An event's sequence is its payment's counter after the write (an entry here has at most
  -- one event, its payment's last): filled into the slot its encoding left at the end.
  evs as (
    select e.topic, e.ord, decode(e.frame, 'base64') as frame, p.last_sequence as sequence
      from e_in e join p_want w on w.txn = e.txn join pays p on p.payment_id = w.payment_id
  ),
  -- The batch's events as one outbox row per topic (kafka-kit's batch row): frames in order.
  outb as (
    insert into outbox (topic, message_key, headers, payload)
    select topic, '', jsonb_build_object('${OUTBOX_BATCH_HEADER}', count(*)::text),
           string_agg(overlay(frame placing ledger_varint10(sequence) from length(frame) - ${SEQUENCE_SLOT_BYTES - 1}),
                      ''::bytea order by ord)
      from evs group by topic
    returning 1
  ),
  -- The merchant lookup is a per-row subquery on purpose: it runs only for the rare negative
  -- balance, where a join would let the planner scan every merchant account per batch.
  overdrawn as (
    select (select a.owner_id from accounts a
             where a.id = b.account_id and a.owner_type = 'merchant' and a.purpose = 'available') as merchant
      from bal b join deltas d on d.account_id = b.account_id
     where b.credits_posted < b.debits_posted and d.d > 0
  )
select
  (select coalesce(json_agg(json_build_object('id', id, 'at', created_at)), '[]'::json) from heads) as heads,
  ledger_assert((select count(*) from pays) = (select count(*) from p_want), 'payment_taken')
    and ledger_assert((select count(*) from evs) =
          (select count(*) from e_in e join heads h on h.id = e.txn), 'events')
    and ledger_assert(not exists (
          select 1 from overdrawn o
           where o.merchant is not null
             and not exists (select 1 from merchant_settings s
                              where s.merchant_id = o.merchant and s.allow_negative_balance)), 'overdrawn')
    and ledger_assert((select count(*) from posts) = (select count(*) from legs), 'postings')
    and ledger_assert((select count(*) from bal) = (select count(*) from deltas), 'balance_rows')
    and ledger_assert((select count(*) from outb) = (select count(distinct topic) from evs), 'outbox') as ok
`;

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

export interface BatchWriter {
  write(
    entries: Entry[],
  ): Promise<{ transactions: Map<string, Transaction>; accounts: Account[]; events: number }>;
}

export function createBatchWriter(
  db: Knex,
  options: {
    accounts: AccountStore;
    /** The event's message with the sequence as its payload's last SEQUENCE_SLOT_BYTES bytes. */
    toOutboxSequenceLast(event: Omit<PaymentEventRecord, 'sequence'>): OutboxMessage;
  },
): BatchWriter {
  return {
    async write(entries) {
      const specs = entries.flatMap((e) => e.body.postings.map((p) => p.account));
      // Accounts are created on first use in their own short transaction: an unused account
      // left by a batch that then fails is harmless, and the hot path reads none (cache).
      const accounts =
        options.accounts.cached(specs) ??
        (await db.transaction((trx) => options.accounts.resolve(trx, specs)));
      options.accounts.remember(accounts.values());

      const heads: unknown[] = [];
      const payments: unknown[] = [];
      const legs: unknown[] = [];
      const events: unknown[] = [];
      for (const e of entries) {
        heads.push({
          id: e.id,
          k: e.head.idempotencyKey,
          kind: e.head.kind,
          pid: e.head.paymentId || null,
          fp: e.head.fingerprint,
          np: e.body.payment?.op === 'insert',
        });
        if (e.body.payment) {
          payments.push({
            ...recordToRow(e.body.payment.record, false),
            txn: e.id,
            last_sequence: e.body.events.length,
          });
        }
        for (const p of e.body.postings) {
          const account = accounts.get(accountKey(p.account));
          if (!account) throw new Error(`account ${accountKey(p.account)} not resolved`);
          legs.push({
            txn: e.id,
            account_id: account.id,
            amount: p.amountMinor.toString(),
            currency: p.account.currency,
            pending: p.pending === true,
            ord: legs.length,
          });
        }
        for (const draft of e.body.events) {
          const message = withTraceContext(e.trace, () =>
            options.toOutboxSequenceLast({
              ...draft,
              eventId: newId('evt'),
              ledgerTransactionId: e.id,
            }),
          );
          events.push({
            txn: e.id,
            topic: message.topic,
            frame: encodeOutboxFrame(message).toString('base64'),
            ord: events.length,
          });
        }
      }

      const conn = (await db.client.acquireConnection()) as PgConnection;
      let rows: unknown[];
      try {
        // A named statement is parsed and planned once per connection.
        ({ rows } = await conn.query({
          name: 'ledger_batch_write_v11',
          text: BATCH_SQL,
          values: [
            JSON.stringify(heads),
            JSON.stringify(payments),
            JSON.stringify(legs),
            JSON.stringify(events),
          ],
        }));
      } finally {
        await db.client.releaseConnection(conn);
      }
      const inserted = new Map(
        ((rows[0] as { heads: { id: string; at: string }[] } | undefined)?.heads ?? []).map((h) => [
          h.id,
          new Date(h.at),
        ]),
      );
      const transactions = new Map<string, Transaction>();
      let written = 0;
      for (const e of entries) {
        const createdAt = inserted.get(e.id);
        if (!createdAt) continue;
        written += e.body.events.length;
        transactions.set(e.id, {
          id: e.id,
          idempotencyKey: e.head.idempotencyKey,
          kind: e.head.kind,
          paymentId: e.head.paymentId,
          postings: e.body.postings.map((p) => ({
            accountId: (accounts.get(accountKey(p.account)) as Account).id,
            amountMinor: p.amountMinor,
            currency: p.account.currency,
            pending: p.pending === true,
          })),
          createdAt,
          reversesTransactionId: '',
        });
      }
      return { transactions, accounts: [], events: written };
    },
  };
}
