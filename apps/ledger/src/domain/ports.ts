import type { AccountRef, AccountTotals, Side } from './accounts';
import type { PaymentEventDraft } from './events';
import type { Fingerprint } from './idempotency';
import type { PostingDraft, Transaction, TransactionKind } from './journal';

/** A transaction to write, with the events that must be published if and only if it commits. */
export interface NewTransaction {
  idempotencyKey: string;
  kind: TransactionKind;
  paymentId: string;
  fingerprint: Fingerprint;
  postings: PostingDraft[];
  events: PaymentEventDraft[];
}

/** A stored transaction with the request fingerprint it was written for. */
export interface StoredTransaction extends Transaction {
  fingerprint: Fingerprint;
}

export type RecordResult =
  | { recorded: true; transaction: Transaction }
  | { recorded: false; existing: StoredTransaction };

/** The journal: transactions, postings, running balances and the outbox, written together. */
export interface JournalRepository {
  findByIdempotencyKey(key: string): Promise<StoredTransaction | undefined>;
  /**
   * In one database transaction: the transaction row, its accounts (created on first use), its
   * postings, the balances and one outbox row per event. When the idempotency key already
   * exists (also when a concurrent writer just won the race) it writes nothing and returns
   * the stored transaction instead. Throws LEDGER_PAYMENT_ALREADY_POSTED when the payment was
   * posted under another key, LEDGER_BALANCE_OVERFLOW / LEDGER_INSUFFICIENT_FUNDS when a
   * balance would break; nothing is written then either.
   */
  record(tx: NewTransaction): Promise<RecordResult>;
  /** A payment's transactions, oldest first, with their postings. */
  listByPayment(paymentId: string): Promise<Transaction[]>;
}

/** Running totals of one account. */
export interface BalanceRepository {
  /** Undefined when the account was never used. */
  totalsOf(ref: AccountRef): Promise<{ normalSide: Side; totals: AccountTotals } | undefined>;
}

/** Read-only scans behind CheckIntegrity, all taken from one snapshot. */
export interface IntegrityRepository {
  scan(options: { outboxGraceMs: number; limit: number }): Promise<IntegrityScan>;
}

export interface IntegrityScan {
  transactions: bigint;
  postings: bigint;
  /** (transaction, currency) groups whose postings do not sum to zero. */
  unbalanced: { transactionId: string; currency: string; sum: bigint }[];
  /** Transactions with fewer than two postings. */
  underPosted: { transactionId: string; postings: number }[];
  accounts: bigint;
  /** Balance rows that differ from the sums of their account's postings (missing row = zeros). */
  balanceMismatches: {
    accountId: string;
    stored: { debits: bigint; credits: bigint };
    fromPostings: { debits: bigint; credits: bigint };
  }[];
  outboxRows: bigint;
  /** Outbox rows older than the grace period and still unpublished. */
  unpublished: { id: string; topic: string; key: string; createdAt: Date }[];
}

/** Time, injectable so use cases are deterministic in tests. */
export interface Clock {
  now(): Date;
}
