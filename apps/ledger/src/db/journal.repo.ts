import { createGroupCommitter, type Outcome } from '@tolem/batching';
import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { OUTBOX_TABLE, type OutboxMessage } from '@tolem/kafka-kit';
import { captureTraceContext, withTraceContext } from '@tolem/observability';

import { type Account, accountKey, isGuarded, postedBalance } from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { PaymentEventRecord } from '../domain/events';
import type { Fingerprint } from '../domain/idempotency';
import {
  type Posting,
  totalsByAccount,
  type Transaction,
  type TransactionKind,
} from '../domain/journal';
import type { PaymentRecord } from '../domain/payment-record';
import type {
  JournalRepository,
  LockedState,
  NewTransaction,
  RecordResult,
  StoredTransaction,
} from '../domain/ports';
import { completeFromRegister, type FactResult, type NewStatusFact } from '../domain/status-fact';
import type { UnappliedRecord } from '../domain/unapplied';
import type { AccountStore } from './accounts.store';
import { createBatchWriter, type Entry, fastEligible } from './batch.writer';
import { type PaymentRow, recordToRow, rowToRecord } from './payments.rows';
import { bind } from './sql';
import { unappliedFromRow, type UnappliedRow, unappliedToRow } from './unapplied.rows';

interface TransactionRow {
  id: string;
  idempotency_key: string;
  kind: TransactionKind;
  payment_id: string | null;
  fingerprint: Fingerprint;
  created_at: Date;
  reverses_transaction_id: string | null;
}

interface FactRow {
  event_type: string;
  fingerprint: Fingerprint;
  event_id: string;
  sequence: bigint | string;
}

interface PostingRow {
  transaction_id: string;
  account_id: string;
  amount_minor: bigint;
  currency: string;
  pending: boolean;
}

interface BalanceRow {
  account_id: string;
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
}

export interface JournalRepoOptions {
  accounts: AccountStore;
  /** Turns a written event into its outbox message (topic, key, headers, protobuf payload). */
  toOutbox(event: PaymentEventRecord): OutboxMessage;
  /** The same with the sequence left as a slot at the payload's end (the batch path fills it). */
  toOutboxSequenceLast(event: Omit<PaymentEventRecord, 'sequence'>): OutboxMessage;
  /** Called after every commit that wrote outbox rows, e.g. to wake the relay. */
  afterCommit?(): void;
  /** Told the transactions a commit posted (not replays), e.g. to count them by kind. */
  posted?(transactions: Iterable<Transaction>): void;
  /** Group commit of record(): lanes (concurrent batches) and most items per batch. */
  batching?: { lanes: number; maxBatch: number };
  /** Told when a batch failed as a whole and was retried item by item. */
  onBatchFailed?(error: unknown, size: number): void;
}

interface Written {
  entry: Entry;
  createdAt: Date;
}

/** The payment already has a register row (posted or held under another key). */
class PaymentTakenError extends Error {}

function toPosting(row: PostingRow): Posting {
  return {
    accountId: row.account_id,
    amountMinor: row.amount_minor,
    currency: row.currency.trim(),
    pending: row.pending,
  };
}

function toTransaction(row: TransactionRow, postings: Posting[]): StoredTransaction {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    paymentId: row.payment_id ?? '',
    postings,
    createdAt: row.created_at,
    reversesTransactionId: row.reverses_transaction_id ?? '',
    fingerprint: row.fingerprint,
  };
}

function withoutFingerprint(t: StoredTransaction): Transaction {
  const { fingerprint: _fingerprint, ...transaction } = t;
  return transaction;
}

const alreadyPosted = () =>
  ledgerErrors.create(
    'LEDGER_PAYMENT_ALREADY_POSTED',
    'this payment was already posted (or held) under another idempotency key',
    { details: { field: 'payment_id' } },
  );

/** Maps PostgreSQL refusals that a request can cause to stable codes; rethrows the rest. */
function translate(err: unknown): never {
  if (err instanceof PaymentTakenError) throw alreadyPosted();
  const pgErr = err as { code?: string };
  // 22003 numeric_value_out_of_range: a running total would pass 2^63-1.
  if (pgErr.code === '22003') {
    throw ledgerErrors.create('LEDGER_BALANCE_OVERFLOW', 'an account total would exceed 64 bits', {
      cause: err,
    });
  }
  throw err;
}

/** Deadlocks and serialization failures are the database asking for a retry. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '40P01' || code === '40001';
}

async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.floor(Math.random() * 10)));
    }
  }
}

const byString =
  <T>(key: (v: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function createJournalRepo(db: Knex, options: JournalRepoOptions): JournalRepository {
  async function postingsOf(conn: Knex, transactionIds: string[]): Promise<Map<string, Posting[]>> {
    const byTransaction = new Map<string, Posting[]>();
    if (transactionIds.length === 0) return byTransaction;
    const rows: PostingRow[] = await conn('postings')
      .select('transaction_id', 'account_id', 'amount_minor', 'currency', 'pending')
      .whereIn('transaction_id', transactionIds)
      .orderBy('id');
    for (const row of rows) {
      const list = byTransaction.get(row.transaction_id) ?? [];
      list.push(toPosting(row));
      byTransaction.set(row.transaction_id, list);
    }
    return byTransaction;
  }

  async function findByKeys(conn: Knex, keys: string[]): Promise<Map<string, StoredTransaction>> {
    const found = new Map<string, StoredTransaction>();
    if (keys.length === 0) return found;
    const rows: TransactionRow[] = await conn('transactions').whereIn('idempotency_key', keys);
    const postings = await postingsOf(
      conn,
      rows.map((r) => r.id),
    );
    for (const row of rows)
      found.set(row.idempotency_key, toTransaction(row, postings.get(row.id) ?? []));
    return found;
  }

  async function findById(conn: Knex, id: string) {
    const row: TransactionRow | undefined = await conn('transactions').where({ id }).first();
    if (!row) return undefined;
    const postings = (await postingsOf(conn, [row.id])).get(row.id) ?? [];
    const accounts = await options.accounts.findByIds(
      conn,
      postings.map((p) => p.accountId),
    );
    return { transaction: toTransaction(row, postings), accounts };
  }

  /**
   * Inserts the heads, sorted by key so concurrent batches take key locks in one order. A head
   * whose key (or reversal target) exists is skipped: ON CONFLICT DO NOTHING without a target
   * covers every unique index, and waits for an uncommitted conflicting writer, so a skip
   * always means a committed (or same-batch) row. A payment posted twice is caught by its
   * register row (PaymentTakenError), which rolls the whole write back.
   */
  async function insertHeads(trx: Knex.Transaction, entries: Entry[]): Promise<Map<string, Date>> {
    const sorted = [...entries].sort(byString((e) => e.head.idempotencyKey));
    const result = await trx.raw(
      `insert into transactions (id, idempotency_key, kind, payment_id, fingerprint, reverses_transaction_id)
       select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[])
       on conflict do nothing
       returning id, created_at`,
      bind([
        sorted.map((e) => e.id),
        sorted.map((e) => e.head.idempotencyKey),
        sorted.map((e) => e.head.kind),
        sorted.map((e) => e.head.paymentId || null),
        sorted.map((e) => JSON.stringify(e.head.fingerprint)),
        sorted.map((e) => e.head.reversesTransactionId || null),
      ]),
    );
    return new Map(
      (result.rows as { id: string; created_at: Date }[]).map((r) => [r.id, r.created_at]),
    );
  }

  async function writePaymentChanges(trx: Knex.Transaction, written: Written[]): Promise<void> {
    const inserts = written
      .map((w) => w.entry.body.payment)
      .filter((c): c is { op: 'insert'; record: PaymentRecord } => c?.op === 'insert')
      .map((c) => recordToRow(c.record))
      .sort(byString((r) => r.payment_id));
    if (inserts.length > 0) {
      const cols: (keyof PaymentRow)[] = [
        'payment_id',
        'merchant_id',
        'currency',
        'method',
        'provider',
        'shard',
        'status',
        'held_minor',
        'hold_expires_at',
        'gross_minor',
        'fee_minor',
        'refunded_minor',
        'details',
        'occurred_at',
      ];
      const types = [
        'text',
        'text',
        'text',
        'text',
        'text',
        'smallint',
        'text',
        'bigint',
        'timestamptz',
        'bigint',
        'bigint',
        'bigint',
        'jsonb',
        'timestamptz',
      ];
      const result = await trx.raw(
        `insert into payments (${cols.join(', ')})
         select * from unnest(${types.map((t) => `?::${t}[]`).join(', ')})
         on conflict (payment_id) do update set
           ${cols
             .filter((c) => c !== 'payment_id' && c !== 'merchant_id')
             .map((c) => `${c} = excluded.${c}`)
             .join(', ')}, updated_at = now()
           where payments.status = 'open' and payments.merchant_id = excluded.merchant_id
         returning payment_id`,
        bind(cols.map((c) => inserts.map((r) => r[c]))),
      );
      if ((result.rows as unknown[]).length !== inserts.length) throw new PaymentTakenError();
    }
    for (const w of written) {
      const change = w.entry.body.payment;
      if (change?.op !== 'update') continue;
      const row = recordToRow(change.record);
      await trx('payments').where({ payment_id: row.payment_id }).update({
        status: row.status,
        held_minor: row.held_minor,
        hold_expires_at: row.hold_expires_at,
        gross_minor: row.gross_minor,
        fee_minor: row.fee_minor,
        refunded_minor: row.refunded_minor,
        refund_pending_minor: row.refund_pending_minor,
        occurred_at: row.occurred_at,
        updated_at: trx.fn.now(),
      });
    }
  }

  /** A case's money row: inserted with its hold, updated by its resolution (row locked then). */
  async function writeUnappliedChanges(trx: Knex.Transaction, written: Written[]): Promise<void> {
    for (const w of written) {
      const change = w.entry.body.unapplied;
      if (!change) continue;
      const row = unappliedToRow(change.record);
      if (change.op === 'insert') {
        await trx('unapplied_funds').insert({ ...row, hold_transaction_id: w.entry.id });
      } else {
        await trx('unapplied_funds').where({ case_id: row.case_id, status: 'held' }).update({
          status: row.status,
          resolution_transaction_id: w.entry.id,
          return_reference: row.return_reference,
          resolved_at: row.resolved_at,
        });
      }
    }
  }

  /**
   * Adds every written posting to the running totals: one row update per account per call, in
   * account id order so writers never deadlock. Then the overdraft guard: a merchant's
   * available balance debited below zero fails the write unless the merchant allows it.
   */
  async function applyToBalances(
    trx: Knex.Transaction,
    postings: PostingRow[],
    accounts: Map<string, Account>,
  ): Promise<void> {
    const totals = [...totalsByAccount(postings.map(toPosting), (p) => p.accountId)].sort(
      ([a], [b]) => (a < b ? -1 : 1),
    );
    const result = await trx.raw(
      `insert into balances (account_id, debits_posted, credits_posted, debits_pending, credits_pending, updated_at)
       select a, d, c, dp, cp, now()
         from unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) as t(a, d, c, dp, cp)
        order by a
       on conflict (account_id) do update set
         debits_posted = balances.debits_posted + excluded.debits_posted,
         credits_posted = balances.credits_posted + excluded.credits_posted,
         debits_pending = balances.debits_pending + excluded.debits_pending,
         credits_pending = balances.credits_pending + excluded.credits_pending,
         updated_at = excluded.updated_at
       returning account_id, debits_posted, credits_posted, debits_pending, credits_pending`,
      [
        totals.map(([id]) => id),
        totals.map(([, t]) => t.debits.toString()),
        totals.map(([, t]) => t.credits.toString()),
        totals.map(([, t]) => t.debitsPending.toString()),
        totals.map(([, t]) => t.creditsPending.toString()),
      ],
    );
    const debited = new Set(totals.filter(([, t]) => t.debits > 0n).map(([id]) => id));
    const overdrawn: Account[] = [];
    for (const row of result.rows as BalanceRow[]) {
      const account = accounts.get(row.account_id);
      if (!account || !isGuarded(account) || !debited.has(row.account_id)) continue;
      const balance = postedBalance(account.normalSide, {
        debitsPosted: row.debits_posted,
        creditsPosted: row.credits_posted,
        debitsPending: row.debits_pending,
        creditsPending: row.credits_pending,
      });
      if (balance < 0n) overdrawn.push(account);
    }
    if (overdrawn.length === 0) return;
    const allowed: { merchant_id: string }[] = await trx('merchant_settings')
      .select('merchant_id')
      .whereIn(
        'merchant_id',
        overdrawn.map((a) => a.ownerId),
      )
      .andWhere({ allow_negative_balance: true });
    const allowedIds = new Set(allowed.map((r) => r.merchant_id));
    const refused = overdrawn.find((a) => !allowedIds.has(a.ownerId));
    if (refused) {
      throw ledgerErrors.create(
        'LEDGER_INSUFFICIENT_FUNDS',
        `the available balance of merchant ${refused.ownerId} in ${refused.currency} is too low`,
        { details: { account_id: refused.id, merchant_id: refused.ownerId } },
      );
    }
  }

  /**
   * The events' sequence numbers (one counter row per key, locked until commit, so one key's
   * events get increasing outbox ids in commit order) and their outbox rows.
   */
  async function enqueueEvents(trx: Knex.Transaction, written: Written[]): Promise<number> {
    const events = written.flatMap((w) =>
      w.entry.body.events.map((draft) => ({
        draft,
        transactionId: w.entry.id,
        trace: w.entry.trace,
      })),
    );
    if (events.length === 0) return 0;
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.draft.paymentId, (counts.get(e.draft.paymentId) ?? 0) + 1);
    const keys = [...counts.keys()].sort();
    // A payment's counter lives in its register row (locked by now, or written above); other
    // keys (payouts) and payments older than the register use payment_event_sequences.
    const fromPayments = await trx.raw(
      `update payments p set last_sequence = p.last_sequence + t.n, updated_at = now()
         from unnest(?::text[], ?::bigint[]) as t(k, n)
        where p.payment_id = t.k
       returning p.payment_id, p.last_sequence`,
      bind([keys, keys.map((k) => counts.get(k) ?? 0)]),
    );
    const next = new Map<string, bigint>();
    for (const r of fromPayments.rows as { payment_id: string; last_sequence: bigint }[]) {
      next.set(r.payment_id, r.last_sequence - BigInt(counts.get(r.payment_id) ?? 0) + 1n);
    }
    const others = keys.filter((k) => !next.has(k));
    if (others.length > 0) {
      const result = await trx.raw(
        `insert into payment_event_sequences (payment_id, last_sequence)
         select * from unnest(?::text[], ?::bigint[]) as t(k, n) order by k
         on conflict (payment_id) do update set
           last_sequence = payment_event_sequences.last_sequence + excluded.last_sequence,
           updated_at = now()
         returning payment_id, last_sequence`,
        bind([others, others.map((k) => counts.get(k) ?? 0)]),
      );
      for (const r of result.rows as { payment_id: string; last_sequence: bigint }[]) {
        next.set(r.payment_id, r.last_sequence - BigInt(counts.get(r.payment_id) ?? 0) + 1n);
      }
    }
    const messages = events.map((e) => {
      const sequence = next.get(e.draft.paymentId) ?? 1n;
      next.set(e.draft.paymentId, sequence + 1n);
      return withTraceContext(e.trace, () =>
        options.toOutbox({
          ...e.draft,
          eventId: newId('evt'),
          sequence,
          ledgerTransactionId: e.transactionId,
        }),
      );
    });
    await trx.raw(
      `insert into ${OUTBOX_TABLE} (topic, message_key, headers, payload)
       select * from unnest(?::text[], ?::text[], ?::jsonb[], ?::bytea[])`,
      [
        messages.map((m) => m.topic),
        messages.map((m) => m.key),
        messages.map((m) => JSON.stringify(m.headers)),
        messages.map((m) => Buffer.from(m.payload)),
      ],
    );
    return messages.length;
  }

  /** Everything after the heads, for the heads that were inserted. */
  async function writeBodies(
    trx: Knex.Transaction,
    written: Written[],
  ): Promise<{ transactions: Map<string, Transaction>; accounts: Account[]; events: number }> {
    const transactions = new Map<string, Transaction>();
    if (written.length === 0) return { transactions, accounts: [], events: 0 };
    await writePaymentChanges(trx, written);
    await writeUnappliedChanges(trx, written);
    const accounts = await options.accounts.resolve(
      trx,
      written.flatMap((w) => w.entry.body.postings.map((p) => p.account)),
    );
    const byId = new Map([...accounts.values()].map((a) => [a.id, a]));
    const rows: PostingRow[] = [];
    for (const w of written) {
      const own = w.entry.body.postings.map((p) => {
        const account = accounts.get(accountKey(p.account));
        if (!account) throw new Error(`account ${accountKey(p.account)} not resolved`);
        return {
          transaction_id: w.entry.id,
          account_id: account.id,
          amount_minor: p.amountMinor,
          currency: p.account.currency,
          pending: p.pending === true,
        };
      });
      rows.push(...own);
      transactions.set(w.entry.id, {
        id: w.entry.id,
        idempotencyKey: w.entry.head.idempotencyKey,
        kind: w.entry.head.kind,
        paymentId: w.entry.head.paymentId,
        postings: own.map(toPosting),
        createdAt: w.createdAt,
        reversesTransactionId: w.entry.head.reversesTransactionId,
      });
    }
    await trx.raw(
      `insert into postings (transaction_id, account_id, amount_minor, currency, pending)
       select * from unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::boolean[])`,
      [
        rows.map((r) => r.transaction_id),
        rows.map((r) => r.account_id),
        rows.map((r) => r.amount_minor.toString()),
        rows.map((r) => r.currency),
        rows.map((r) => r.pending),
      ],
    );
    await applyToBalances(trx, rows, byId);
    const events = await enqueueEvents(trx, written);
    return { transactions, accounts: [...accounts.values()], events };
  }

  function committed(result: {
    transactions: Map<string, Transaction>;
    accounts: Account[];
    events: number;
  }): void {
    options.accounts.remember(result.accounts);
    if (result.events > 0) options.afterCommit?.();
    if (result.transactions.size > 0) options.posted?.(result.transactions.values());
  }

  /** A skipped head: a replay of its key, or a payment / reversal that happened under another. */
  function skippedOutcome(entry: Entry, existing: StoredTransaction | undefined): RecordResult {
    if (existing) return { recorded: false, existing };
    if (entry.head.reversesTransactionId) {
      throw ledgerErrors.create(
        'LEDGER_ALREADY_REVERSED',
        'this transaction was already reversed',
        {
          details: { field: 'transaction_id' },
        },
      );
    }
    throw alreadyPosted();
  }

  async function writeOne(entry: Entry): Promise<RecordResult> {
    const result = await withRetry(async () => {
      try {
        return await db.transaction(async (trx) => {
          const heads = await insertHeads(trx, [entry]);
          const createdAt = heads.get(entry.id);
          if (!createdAt) return undefined;
          return writeBodies(trx, [{ entry, createdAt }]);
        });
      } catch (err) {
        return translate(err);
      }
    });
    const transaction = result?.transactions.get(entry.id);
    if (!result || !transaction) {
      const existing = (await findByKeys(db, [entry.head.idempotencyKey])).get(
        entry.head.idempotencyKey,
      );
      return skippedOutcome(entry, existing);
    }
    committed(result);
    return { recorded: true, transaction };
  }

  const fast = createBatchWriter(db, options);

  /** A batch: one statement when every entry allows it (the hot path), else the general path. */
  async function writeBatch(entries: Entry[]): Promise<Outcome<RecordResult>[]> {
    const result = entries.every(fastEligible)
      ? await fast.write(entries)
      : await db.transaction(async (trx) => {
          const heads = await insertHeads(trx, entries);
          const written: Written[] = [];
          for (const entry of entries) {
            const createdAt = heads.get(entry.id);
            if (createdAt) written.push({ entry, createdAt });
          }
          return writeBodies(trx, written);
        });
    committed(result);
    const skipped = entries.filter((e) => !result.transactions.has(e.id));
    const existing = await findByKeys(
      db,
      skipped.map((e) => e.head.idempotencyKey),
    );
    return entries.map((entry): Outcome<RecordResult> => {
      const transaction = result.transactions.get(entry.id);
      if (transaction) return { ok: true, value: { recorded: true, transaction } };
      try {
        return { ok: true, value: skippedOutcome(entry, existing.get(entry.head.idempotencyKey)) };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }

  const committer = options.batching
    ? createGroupCommitter<Entry, RecordResult>({
        lanes: options.batching.lanes,
        maxBatch: options.batching.maxBatch,
        laneOf: (entry) => entry.shard,
        writeBatch,
        writeOne,
        onBatchFailed: options.onBatchFailed,
      })
    : undefined;

  return {
    async findByIdempotencyKey(key) {
      return (await findByKeys(db, [key])).get(key);
    },

    async findTransaction(id) {
      return findById(db, id);
    },

    async record(tx: NewTransaction) {
      const { shard, postings, events, payment, ...head } = tx;
      const entry: Entry = {
        id: newId('txn'),
        head,
        body: { postings, events, payment },
        shard,
        trace: captureTraceContext(),
      };
      return committer ? committer.submit(entry) : writeOne(entry);
    },

    async recordLocked(head, lock, decide) {
      const id = newId('txn');
      const result = await withRetry(async () => {
        try {
          return await db.transaction(async (trx) => {
            const heads = await insertHeads(trx, [
              { id, head, body: { postings: [], events: [] }, shard: 0 },
            ]);
            const createdAt = heads.get(id);
            if (!createdAt) return undefined;
            const paymentRow: PaymentRow | undefined = lock.paymentId
              ? await trx('payments').where({ payment_id: lock.paymentId }).forUpdate().first()
              : undefined;
            const original = lock.transactionId
              ? await findById(trx, lock.transactionId)
              : undefined;
            const unappliedRow: UnappliedRow | undefined = lock.caseId
              ? await trx('unapplied_funds').where({ case_id: lock.caseId }).forUpdate().first()
              : undefined;
            const state: LockedState = {
              payment: paymentRow ? rowToRecord(paymentRow) : undefined,
              unapplied: unappliedRow ? unappliedFromRow(unappliedRow) : undefined,
              original: original?.transaction,
              originalAccounts: original?.accounts ?? new Map(),
            };
            const body = decide(state);
            return writeBodies(trx, [{ entry: { id, head, body, shard: 0 }, createdAt }]);
          });
        } catch (err) {
          return translate(err);
        }
      });
      const transaction = result?.transactions.get(id);
      if (!result || !transaction) {
        const existing = (await findByKeys(db, [head.idempotencyKey])).get(head.idempotencyKey);
        return skippedOutcome({ id, head, body: { postings: [], events: [] }, shard: 0 }, existing);
      }
      committed(result);
      return { recorded: true, transaction };
    },

    async listByPayment(paymentId) {
      const rows: TransactionRow[] = await db('transactions')
        .where({ payment_id: paymentId })
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .limit(1000);
      const postings = await postingsOf(
        db,
        rows.map((r) => r.id),
      );
      return rows.map((row) => withoutFingerprint(toTransaction(row, postings.get(row.id) ?? [])));
    },

    async recordFact(fact: NewStatusFact): Promise<FactResult> {
      const result = await withRetry(() =>
        db.transaction(async (trx): Promise<FactResult & { wrote?: boolean }> => {
          const open = recordToRow(fact.openRecord);
          // One statement takes the key and counts the event. The key first: a concurrent writer
          // of the same key waits there, then finds it. The counter row is counted only under a
          // new key: created with the first fact, or taken under its lock (a posting or hold of
          // the same payment waits here, or this waits for it). A status fact counts only on an
          // open row (after the money it is stale); a recurring fact on any row of the merchant's.
          const counted = await trx.raw(
            `with keyed as (
               insert into payment_facts (idempotency_key, payment_id, event_type, fingerprint,
                                          event_id, sequence)
               values (?, ?, ?, ?::jsonb, '', 0)
               on conflict (idempotency_key) do nothing
               returning idempotency_key
             ),
             counted as (
               insert into payments (payment_id, merchant_id, currency, method, provider, shard,
                                     status, held_minor, gross_minor, fee_minor, refunded_minor,
                                     last_sequence, details, occurred_at)
               select ?::text, ?::text, ?::text, ?::text, ?::text, ?::smallint, 'open', 0, 0, 0, 0,
                      1, ?::jsonb, ?::timestamptz
                where exists (select from keyed)
               on conflict (payment_id) do update set last_sequence = payments.last_sequence + 1,
                                                       updated_at = now()
                 where (payments.status = 'open' or ?) and payments.merchant_id = excluded.merchant_id
               returning *
             )
             select exists (select from keyed) as keyed, c.*
               from (values (1)) as one left join counted c on true`,
            [
              fact.idempotencyKey,
              fact.draft.paymentId,
              fact.eventType,
              JSON.stringify(fact.fingerprint),
              open.payment_id,
              open.merchant_id,
              open.currency,
              open.method,
              open.provider,
              open.shard,
              open.details as string,
              open.occurred_at,
              fact.keepsStatus,
            ],
          );
          const [answer] = counted.rows as (PaymentRow & {
            keyed: boolean;
            last_sequence: bigint | string | null;
          })[];
          if (!answer?.keyed) {
            const row: FactRow = await trx('payment_facts')
              .where({ idempotency_key: fact.idempotencyKey })
              .first();
            return {
              recorded: false,
              superseded: false,
              existing: {
                eventType: row.event_type,
                fingerprint: row.fingerprint,
                eventId: row.event_id,
                sequence: BigInt(row.sequence),
              },
            };
          }
          const { keyed: _keyed, last_sequence: lastSequence, ...counter } = answer;
          if (lastSequence === null) {
            const existing: { merchant_id: string } | undefined = await trx('payments')
              .select('merchant_id')
              .where({ payment_id: fact.draft.paymentId })
              .first();
            if (existing && existing.merchant_id !== fact.draft.merchantId) {
              throw ledgerErrors.create(
                'LEDGER_INVALID_REQUEST',
                'payment_id belongs to another merchant',
                { details: { field: 'merchant_id' } },
              );
            }
            return { recorded: false, superseded: true };
          }
          const sequence = BigInt(lastSequence);
          const eventId = newId('evt');
          const message = options.toOutbox({
            ...completeFromRegister(fact, rowToRecord(counter)),
            eventId,
            sequence,
            ledgerTransactionId: '',
          });
          await trx.raw(
            `with queued as (
               insert into ${OUTBOX_TABLE} (topic, message_key, headers, payload)
               values (?, ?, ?::jsonb, ?)
             )
             update payment_facts set event_id = ?, sequence = ? where idempotency_key = ?`,
            [
              message.topic,
              message.key,
              JSON.stringify(message.headers),
              Buffer.from(message.payload),
              eventId,
              sequence.toString(),
              fact.idempotencyKey,
            ],
          );
          return { recorded: true, eventId, sequence, wrote: true };
        }),
      );
      if (result.wrote) options.afterCommit?.();
      const { wrote: _wrote, ...answer } = result;
      return answer;
    },

    async unappliedOf(caseId: string): Promise<UnappliedRecord | undefined> {
      const row: UnappliedRow | undefined = await db('unapplied_funds')
        .where({ case_id: caseId })
        .first();
      return row ? unappliedFromRow(row) : undefined;
    },

    async paymentOf(paymentId) {
      const row: PaymentRow | undefined = await db('payments')
        .where({ payment_id: paymentId })
        .first();
      return row ? rowToRecord(row) : undefined;
    },
  };
}
