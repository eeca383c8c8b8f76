import { type Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { enqueueOutbox, type OutboxMessage } from '@tolem/kafka-kit';

import { type Account, accountKey, postedBalance } from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { PaymentEventRecord } from '../domain/events';
import type { Fingerprint } from '../domain/idempotency';
import {
  type Posting,
  totalsByAccount,
  type Transaction,
  type TransactionKind,
} from '../domain/journal';
import type { JournalRepository, StoredTransaction } from '../domain/ports';
import type { AccountStore } from './accounts.store';

interface TransactionRow {
  id: string;
  idempotency_key: string;
  kind: TransactionKind;
  payment_id: string | null;
  fingerprint: Fingerprint;
  created_at: Date;
}

interface PostingRow {
  transaction_id: string;
  account_id: string;
  amount_minor: bigint;
  currency: string;
}

export interface JournalRepoOptions {
  accounts: AccountStore;
  /** Turns a written event into its outbox message (topic, key, headers, protobuf payload). */
  toOutbox(event: PaymentEventRecord): OutboxMessage;
  /** Called after every commit that wrote outbox rows, e.g. to wake the relay. */
  afterCommit?(): void;
}

const PAYMENT_ONCE_INDEX = 'transactions_one_payment_posting_idx';

function toPosting(row: PostingRow): Posting {
  return {
    accountId: row.account_id,
    amountMinor: row.amount_minor,
    currency: row.currency.trim(),
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
    fingerprint: row.fingerprint,
  };
}

/** Maps PostgreSQL refusals that a request can cause to stable codes; rethrows the rest. */
function translate(err: unknown): never {
  const pgErr = err as { code?: string; constraint?: string };
  if (pgErr.code === '23505' && pgErr.constraint === PAYMENT_ONCE_INDEX) {
    throw ledgerErrors.create(
      'LEDGER_PAYMENT_ALREADY_POSTED',
      'this payment was already posted under another idempotency key',
      {
        details: { field: 'payment_id' },
      },
    );
  }
  // 22003 numeric_value_out_of_range: a running total would pass 2^63-1.
  if (pgErr.code === '22003') {
    throw ledgerErrors.create('LEDGER_BALANCE_OVERFLOW', 'an account total would exceed 64 bits', {
      cause: err,
    });
  }
  throw err;
}

export function createJournalRepo(db: Knex, options: JournalRepoOptions): JournalRepository {
  async function postingsOf(conn: Knex, transactionIds: string[]): Promise<Map<string, Posting[]>> {
    const byTransaction = new Map<string, Posting[]>();
    if (transactionIds.length === 0) return byTransaction;
    const rows: PostingRow[] = await conn('postings')
      .select('transaction_id', 'account_id', 'amount_minor', 'currency')
      .whereIn('transaction_id', transactionIds)
      .orderBy('id');
    for (const row of rows) {
      byTransaction.set(row.transaction_id, [
        ...(byTransaction.get(row.transaction_id) ?? []),
        toPosting(row),
      ]);
    }
    return byTransaction;
  }

  async function findByIdempotencyKey(key: string): Promise<StoredTransaction | undefined> {
    const row: TransactionRow | undefined = await db('transactions')
      .where({ idempotency_key: key })
      .first();
    if (!row) return undefined;
    const postings = await postingsOf(db, [row.id]);
    return toTransaction(row, postings.get(row.id) ?? []);
  }

  /** Adds the postings to the running totals, in account id order so writers never deadlock. */
  async function applyToBalances(
    trx: Knex.Transaction,
    postings: PostingRow[],
    accounts: Map<string, Account>,
  ) {
    const totals = [...totalsByAccount(postings.map(toPosting), (p) => p.accountId)].sort(
      ([a], [b]) => (a < b ? -1 : 1),
    );
    const values = totals.map(() => '(?, ?::bigint, ?::bigint, now())').join(', ');
    const result = await trx.raw(
      `insert into balances (account_id, debits_posted, credits_posted, updated_at) values ${values}
       on conflict (account_id) do update set
         debits_posted = balances.debits_posted + excluded.debits_posted,
         credits_posted = balances.credits_posted + excluded.credits_posted,
         updated_at = excluded.updated_at
       returning account_id, debits_posted, credits_posted, debits_pending, credits_pending`,
      totals.flatMap(([accountId, t]) => [accountId, t.debits.toString(), t.credits.toString()]),
    );
    const byId = new Map([...accounts.values()].map((a) => [a.id, a]));
    for (const row of result.rows as {
      account_id: string;
      debits_posted: bigint;
      credits_posted: bigint;
      debits_pending: bigint;
      credits_pending: bigint;
    }[]) {
      const account = byId.get(row.account_id);
      if (!account || account.allowNegative) continue;
      const balance = postedBalance(account.normalSide, {
        debitsPosted: row.debits_posted,
        creditsPosted: row.credits_posted,
        debitsPending: row.debits_pending,
        creditsPending: row.credits_pending,
      });
      if (balance < 0n) {
        throw ledgerErrors.create(
          'LEDGER_INSUFFICIENT_FUNDS',
          `account ${account.id} would go negative`,
          {
            details: { account_id: account.id },
          },
        );
      }
    }
  }

  /** The payment's next event sequence (1, 2, …); the row lock orders one payment's events. */
  async function nextSequence(trx: Knex.Transaction, paymentId: string): Promise<bigint> {
    const result = await trx.raw(
      `insert into payment_event_sequences (payment_id, last_sequence) values (?, 1)
       on conflict (payment_id) do update set
         last_sequence = payment_event_sequences.last_sequence + 1, updated_at = now()
       returning last_sequence`,
      [paymentId],
    );
    return (result.rows as { last_sequence: bigint }[])[0]?.last_sequence ?? 1n;
  }

  return {
    findByIdempotencyKey,

    async record(tx) {
      let resolvedAccounts: Map<string, Account> | undefined;
      let written: Transaction | undefined;
      try {
        written = await db.transaction(async (trx) => {
          // First, so a duplicate key is found before any lock on a balance is taken. A
          // concurrent insert of the same key makes this wait for it, then insert nothing.
          const inserted: Pick<TransactionRow, 'id' | 'created_at'>[] = await trx('transactions')
            .insert({
              id: newId('txn'),
              idempotency_key: tx.idempotencyKey,
              kind: tx.kind,
              payment_id: tx.paymentId || null,
              fingerprint: JSON.stringify(tx.fingerprint),
            })
            .onConflict('idempotency_key')
            .ignore()
            .returning(['id', 'created_at']);
          const head = inserted[0];
          if (!head) return undefined;

          const accounts = await options.accounts.resolve(
            trx,
            tx.postings.map((p) => p.account),
          );
          resolvedAccounts = accounts;
          const postingRows: PostingRow[] = tx.postings.map((p) => {
            const account = accounts.get(accountKey(p.account));
            if (!account) throw new Error(`account ${accountKey(p.account)} not resolved`);
            return {
              transaction_id: head.id,
              account_id: account.id,
              amount_minor: p.amountMinor,
              currency: p.account.currency,
            };
          });
          await trx('postings').insert(
            postingRows.map((r) => ({ ...r, created_at: head.created_at })),
          );
          await applyToBalances(trx, postingRows, accounts);

          const messages: OutboxMessage[] = [];
          for (const draft of tx.events) {
            const event: PaymentEventRecord = {
              ...draft,
              eventId: newId('evt'),
              sequence: await nextSequence(trx, draft.paymentId),
              ledgerTransactionId: head.id,
            };
            messages.push(options.toOutbox(event));
          }
          await enqueueOutbox(trx, messages);

          return {
            id: head.id,
            idempotencyKey: tx.idempotencyKey,
            kind: tx.kind,
            paymentId: tx.paymentId,
            postings: postingRows.map(toPosting),
            createdAt: head.created_at,
          };
        });
      } catch (err) {
        translate(err);
      }
      if (!written) {
        const existing = await findByIdempotencyKey(tx.idempotencyKey);
        if (!existing) throw new Error('transaction with a conflicting idempotency key vanished');
        return { recorded: false, existing };
      }
      if (resolvedAccounts) options.accounts.remember(resolvedAccounts.values());
      if (tx.events.length > 0) options.afterCommit?.();
      return { recorded: true, transaction: written };
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
      return rows.map((row) => {
        const { fingerprint: _fingerprint, ...transaction } = toTransaction(
          row,
          postings.get(row.id) ?? [],
        );
        return transaction;
      });
    },
  };
}
