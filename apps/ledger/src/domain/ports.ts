import type { Account, AccountRef, AccountTotals, OwnerType } from './accounts';
import type { PaymentEventDraft } from './events';
import type { FeePlan, FeePlanRule } from './fees';
import type { Fingerprint } from './idempotency';
import type { PostingDraft, Transaction, TransactionKind } from './journal';
import type { PaymentRecord } from './payment-record';
import type { FactResult, NewStatusFact } from './status-fact';
import type { UnappliedRecord } from './unapplied';

/** The identity of a transaction, written first: its key decides replay versus new write. */
export interface TransactionHead {
  idempotencyKey: string;
  kind: TransactionKind;
  /** The payment (or payout) it belongs to; '' for none. */
  paymentId: string;
  /** For a reversal, the transaction it mirrors; '' otherwise (at most one reversal each). */
  reversesTransactionId: string;
  fingerprint: Fingerprint;
}

/** A change of the payment register, written in the same database transaction. */
export type PaymentChange =
  | { op: 'insert'; record: PaymentRecord }
  | { op: 'update'; record: PaymentRecord };

/** What a transaction writes besides its head: postings, events, register change. */
export interface TransactionBody {
  postings: PostingDraft[];
  /** Published if and only if the transaction commits. */
  events: PaymentEventDraft[];
  payment?: PaymentChange;
  /** A case's money: held (insert) or resolved (update, under the case's lock). */
  unapplied?: { op: 'insert' | 'update'; record: UnappliedRecord };
}

/** A transaction decided without reading anything under lock (payments, holds). */
export interface NewTransaction extends TransactionHead, TransactionBody {
  /** Shard of its system postings; writers are grouped by it so batches never share a row. */
  shard: number;
}

/** A stored transaction with the request fingerprint it was written for. */
export interface StoredTransaction extends Transaction {
  fingerprint: Fingerprint;
}

export type RecordResult =
  | { recorded: true; transaction: Transaction }
  | { recorded: false; existing: StoredTransaction };

/** What a locked decision sees: the payment's register row and/or the transaction reversed. */
export interface LockedState {
  payment: PaymentRecord | undefined;
  /** The case's money, when the lock named a case. */
  unapplied: UnappliedRecord | undefined;
  original: StoredTransaction | undefined;
  /** The accounts of the original's postings, by id. */
  originalAccounts: Map<string, Account>;
}

/**
 * The journal: transactions, postings, running balances, the payment register and the outbox,
 * written together in one database transaction, or not at all.
 *
 * Both writes first insert the head; when its idempotency key already exists (also when a
 * concurrent writer just won the race) nothing is written and the stored transaction is
 * returned. Errors (nothing written): LEDGER_PAYMENT_ALREADY_POSTED (a `payment` transaction or
 * register row of the payment exists under another key), LEDGER_ALREADY_REVERSED,
 * LEDGER_BALANCE_OVERFLOW, LEDGER_INSUFFICIENT_FUNDS (a debit takes a merchant's available
 * balance below zero and the merchant does not allow it).
 */
export interface JournalRepository {
  findByIdempotencyKey(key: string): Promise<StoredTransaction | undefined>;
  /** A transaction by id with the accounts of its postings. */
  findTransaction(
    id: string,
  ): Promise<{ transaction: StoredTransaction; accounts: Map<string, Account> } | undefined>;
  /**
   * Writes a transaction decided up front. Concurrent calls may be group-committed: written in
   * one database transaction per batch, each resolved after its batch commits; one failing item
   * never fails the others.
   */
  record(tx: NewTransaction): Promise<RecordResult>;
  /**
   * Read-decide-write: inserts the head, locks the payment's register row and/or the original
   * transaction, calls decide with what it found and writes the body it returns. decide throws
   * to refuse; then nothing is written. decide is not called for a replayed key.
   */
  recordLocked(
    head: TransactionHead,
    lock: { paymentId?: string; transactionId?: string; caseId?: string },
    decide: (state: LockedState) => TransactionBody,
  ): Promise<RecordResult>;
  /** A payment's (or payout's) transactions, oldest first, with their postings. */
  listByPayment(paymentId: string): Promise<Transaction[]>;
  /** The payment's register row, undefined when the ledger never saw the payment. */
  paymentOf(paymentId: string): Promise<PaymentRecord | undefined>;
  /**
   * Writes a status fact's event (no postings) as the next of its payment's sequence, creating
   * the payment's `open` register row with its first fact, in one database transaction.
   * Idempotent on the key (a used key answers with what it stored). When the payment's money
   * already moved (its row is held, posted, …) the fact is stale: only the key is kept and no
   * event is written, so a late `pending` can never follow `succeeded`.
   */
  recordFact(fact: NewStatusFact): Promise<FactResult>;
  /** A case's money, undefined when none was held for it. */
  unappliedOf(caseId: string): Promise<UnappliedRecord | undefined>;
}

/** Fee plans and overdraft permission per merchant. */
export interface MerchantSettingsRepository {
  /** The merchant's fee plan, read fresh (concurrent calls may share one query). */
  feePlanOf(merchantId: string): Promise<FeePlan | undefined>;
  setFeePlan(merchantId: string, rules: FeePlanRule[]): Promise<FeePlan>;
  settingsOf(merchantId: string): Promise<MerchantSettings>;
  setSettings(
    merchantId: string,
    settings: { allowNegativeBalance: boolean },
  ): Promise<MerchantSettings>;
}

export interface MerchantSettings {
  merchantId: string;
  allowNegativeBalance: boolean;
  /** Undefined when never set (defaults). */
  updatedAt: Date | undefined;
}

/** Accounts and their balances. */
export interface BalanceRepository {
  /** Undefined when the account was never used. asOf: sums of postings created at or before it. */
  totalsOf(
    ref: AccountRef,
    asOf?: Date,
  ): Promise<{ account: Account; totals: AccountTotals } | undefined>;
  totalsById(
    accountId: string,
    asOf?: Date,
  ): Promise<{ account: Account; totals: AccountTotals } | undefined>;
  findAccounts(ids: readonly string[]): Promise<Map<string, Account>>;
  listAccounts(filter: {
    ownerType: OwnerType;
    ownerId: string;
    /** Test (false) or live (true) accounts: never both in one answer. */
    livemode: boolean;
    currency?: string;
  }): Promise<Account[]>;
  /** Posted lines of one account in [from, to), ordered by (created_at, posting id). */
  statement(query: StatementQuery): Promise<StatementPage>;
}

export interface StatementQuery {
  accountId: string;
  from: Date | undefined;
  to: Date | undefined;
  limit: number;
  /** Resume strictly after this position. */
  after: StatementCursor | undefined;
}

export interface StatementCursor {
  /** created_at in microseconds since the epoch (PostgreSQL precision). */
  createdAtMicros: bigint;
  postingId: bigint;
}

export interface StatementRow {
  transactionId: string;
  kind: TransactionKind;
  paymentId: string;
  /** + debit, - credit, as stored. */
  amountMinor: bigint;
  createdAt: Date;
  cursor: StatementCursor;
}

export interface StatementPage {
  /** Sum of posted amounts (debit +) before `from` (or before the cursor when resuming). */
  before: bigint;
  rows: StatementRow[];
}

/** Holds past their timeout, for the sweeper. */
export interface HoldRepository {
  expiredHolds(now: Date, limit: number): Promise<string[]>;
}

/** Read-only scans behind CheckIntegrity, all taken from one snapshot. */
export interface IntegrityRepository {
  scan(options: { outboxGraceMs: number; limit: number }): Promise<IntegrityScan>;
}

export interface IntegrityScan {
  transactions: bigint;
  postings: bigint;
  /**
   * (transaction, currency[ test][ pending]) groups whose postings do not sum to zero: test and
   * live legs are summed apart, so money moved between the modes shows as unbalanced.
   */
  unbalanced: { transactionId: string; currency: string; sum: bigint }[];
  /** Transactions with fewer than two postings. */
  underPosted: { transactionId: string; postings: number }[];
  /** Postings without their transaction, or whose account is missing or in another currency. */
  strayPostings: { postingId: string; transactionId: string; accountId: string; problem: string }[];
  accounts: bigint;
  /** Of those, test accounts (livemode false). */
  testAccounts: bigint;
  /** Balance rows that differ from the sums of their account's postings (missing row = zeros). */
  balanceMismatches: {
    accountId: string;
    stored: { debits: bigint; credits: bigint; debitsPending: bigint; creditsPending: bigint };
    fromPostings: {
      debits: bigint;
      credits: bigint;
      debitsPending: bigint;
      creditsPending: bigint;
    };
  }[];
  outboxRows: bigint;
  /** Events in those rows (a batch row holds many). */
  outboxMessages: bigint;
  /** Outbox rows older than the grace period and still unpublished, with their events' keys. */
  unpublished: { id: string; topic: string; keys: string[]; createdAt: Date }[];
}

/** Time, injectable so use cases are testable: the one Clock of @tolem/runtime. */
export type { Clock } from '@tolem/runtime';
