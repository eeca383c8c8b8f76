import { MAX_MINOR } from '@tolem/money';

import {
  type Account,
  accountKey,
  type AccountTotals,
  isGuarded,
  postedBalance,
  ZERO_TOTALS,
} from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { PaymentEventRecord } from '../domain/events';
import { type Posting, totalsByAccount } from '../domain/journal';
import type { PaymentRecord } from '../domain/payment-record';
import type {
  BalanceRepository,
  HoldRepository,
  JournalRepository,
  LockedState,
  NewTransaction,
  RecordResult,
  StatementPage,
  StoredTransaction,
  TransactionBody,
  TransactionHead,
} from '../domain/ports';
import { completeFromRegister, type FactResult, type NewStatusFact } from '../domain/status-fact';
import type { UnappliedRecord } from '../domain/unapplied';
import type { InMemorySettings } from './in-memory-settings.fake';

const clone = <T>(v: T): T => structuredClone(v);

/**
 * In-memory ledger for unit tests: the same contract as the PostgreSQL journal (all or nothing,
 * insert-once per idempotency key, one `payment` transaction and one register row per payment,
 * one reversal per transaction, overflow and overdraft refusals), no I/O.
 */
export class InMemoryLedger implements JournalRepository, BalanceRepository, HoldRepository {
  readonly transactions: StoredTransaction[] = [];
  readonly events: PaymentEventRecord[] = [];
  readonly accounts = new Map<string, Account>();
  readonly totals = new Map<string, AccountTotals>();
  readonly payments = new Map<string, PaymentRecord>();
  readonly unapplied = new Map<string, UnappliedRecord>();
  private readonly sequences = new Map<string, bigint>();
  private seq = 0;
  /** Runs before a write's key check, to simulate a concurrent writer winning the race. */
  beforeRecord: (() => Promise<unknown>) | undefined;

  constructor(private readonly settings?: InMemorySettings) {}

  async findByIdempotencyKey(key: string) {
    const found = this.transactions.find((t) => t.idempotencyKey === key);
    return found ? clone(found) : undefined;
  }

  async findTransaction(id: string) {
    const transaction = this.transactions.find((t) => t.id === id);
    if (!transaction) return undefined;
    return { transaction: clone(transaction), accounts: this.accountsOf(transaction.postings) };
  }

  async record(tx: NewTransaction): Promise<RecordResult> {
    const { shard: _shard, postings, events, payment, ...head } = tx;
    return this.write(head, () => ({ postings, events, payment }));
  }

  async recordLocked(
    head: TransactionHead,
    lock: { paymentId?: string; transactionId?: string; caseId?: string },
    decide: (state: LockedState) => TransactionBody,
  ): Promise<RecordResult> {
    return this.write(head, () => {
      const original = lock.transactionId
        ? this.transactions.find((t) => t.id === lock.transactionId)
        : undefined;
      const payment = lock.paymentId ? this.payments.get(lock.paymentId) : undefined;
      const held = lock.caseId ? this.unapplied.get(lock.caseId) : undefined;
      return decide({
        payment: payment ? clone(payment) : undefined,
        unapplied: held ? clone(held) : undefined,
        original: original ? clone(original) : undefined,
        originalAccounts: original ? this.accountsOf(original.postings) : new Map(),
      });
    });
  }

  async listByPayment(paymentId: string) {
    return this.transactions
      .filter((t) => t.paymentId === paymentId)
      .map(({ fingerprint: _f, ...t }) => clone(t));
  }

  readonly facts = new Map<
    string,
    { fingerprint: NewStatusFact['fingerprint']; eventId: string; sequence: bigint }
  >();

  async recordFact(fact: NewStatusFact): Promise<FactResult> {
    await this.beforeRecord?.();
    const known = this.facts.get(fact.idempotencyKey);
    if (known) {
      return {
        recorded: false,
        superseded: false,
        existing: { eventType: fact.eventType, ...clone(known) },
      };
    }
    const registered = this.payments.get(fact.draft.paymentId);
    if (registered && registered.merchantId !== fact.draft.merchantId) {
      throw ledgerErrors.create(
        'LEDGER_INVALID_REQUEST',
        'payment_id belongs to another merchant',
        {
          details: { field: 'merchant_id' },
        },
      );
    }
    if (registered && registered.status !== 'open' && !fact.keepsStatus) {
      this.facts.set(fact.idempotencyKey, {
        fingerprint: clone(fact.fingerprint),
        eventId: '',
        sequence: 0n,
      });
      return { recorded: false, superseded: true };
    }
    if (!registered) this.payments.set(fact.draft.paymentId, clone(fact.openRecord));
    const sequence = (this.sequences.get(fact.draft.paymentId) ?? 0n) + 1n;
    this.sequences.set(fact.draft.paymentId, sequence);
    const eventId = `evt_${this.events.length + 1}`;
    const draft = completeFromRegister(fact, registered ?? fact.openRecord);
    this.events.push({ ...clone(draft), eventId, sequence, ledgerTransactionId: '' });
    this.facts.set(fact.idempotencyKey, {
      fingerprint: clone(fact.fingerprint),
      eventId,
      sequence,
    });
    return { recorded: true, eventId, sequence };
  }

  async unappliedOf(caseId: string) {
    const found = this.unapplied.get(caseId);
    return found ? clone(found) : undefined;
  }

  async paymentOf(paymentId: string) {
    const found = this.payments.get(paymentId);
    return found ? clone(found) : undefined;
  }

  async totalsOf(ref: Parameters<BalanceRepository['totalsOf']>[0]) {
    const account = this.accounts.get(accountKey(ref));
    if (!account) return undefined;
    return { account, totals: this.totals.get(account.id) ?? ZERO_TOTALS };
  }

  async totalsById(accountId: string) {
    const account = [...this.accounts.values()].find((a) => a.id === accountId);
    if (!account) return undefined;
    return { account, totals: this.totals.get(account.id) ?? ZERO_TOTALS };
  }

  async findAccounts(ids: readonly string[]) {
    return new Map(
      [...this.accounts.values()].filter((a) => ids.includes(a.id)).map((a) => [a.id, a]),
    );
  }

  async listAccounts(filter: {
    ownerType: string;
    ownerId: string;
    livemode: boolean;
    currency?: string;
  }) {
    return [...this.accounts.values()].filter(
      (a) =>
        a.ownerType === filter.ownerType &&
        a.ownerId === filter.ownerId &&
        a.livemode === filter.livemode &&
        (!filter.currency || a.currency === filter.currency),
    );
  }

  async statement(): Promise<StatementPage> {
    throw new Error('statement is tested against PostgreSQL');
  }

  async expiredHolds(now: Date, limit: number) {
    return [...this.payments.values()]
      .filter((p) => p.status === 'held' && p.holdExpiresAt && p.holdExpiresAt < now)
      .slice(0, limit)
      .map((p) => p.paymentId);
  }

  /** The account of a posting by id (for reversals). */
  accountById(id: string): Account | undefined {
    return [...this.accounts.values()].find((a) => a.id === id);
  }

  private accountsOf(postings: Posting[]): Map<string, Account> {
    const found = new Map<string, Account>();
    for (const p of postings) {
      const account = this.accountById(p.accountId);
      if (account) found.set(account.id, account);
    }
    return found;
  }

  private async write(head: TransactionHead, build: () => TransactionBody): Promise<RecordResult> {
    await this.beforeRecord?.();
    const existing = this.transactions.find((t) => t.idempotencyKey === head.idempotencyKey);
    if (existing) return { recorded: false, existing: clone(existing) };
    if (
      head.kind === 'payment' &&
      this.transactions.some((t) => t.kind === 'payment' && t.paymentId === head.paymentId)
    ) {
      throw ledgerErrors.create('LEDGER_PAYMENT_ALREADY_POSTED', 'already posted', {
        details: { field: 'payment_id' },
      });
    }
    if (
      head.reversesTransactionId &&
      this.transactions.some((t) => t.reversesTransactionId === head.reversesTransactionId)
    ) {
      throw ledgerErrors.create('LEDGER_ALREADY_REVERSED', 'already reversed', {
        details: { field: 'transaction_id' },
      });
    }
    const body = build();
    const registered = body.payment ? this.payments.get(body.payment.record.paymentId) : undefined;
    // An open row (status facts only) is taken over by the payment's money, as in PostgreSQL.
    if (
      body.payment?.op === 'insert' &&
      registered &&
      (registered.status !== 'open' || registered.merchantId !== body.payment.record.merchantId)
    ) {
      throw ledgerErrors.create('LEDGER_PAYMENT_ALREADY_POSTED', 'already posted', {
        details: { field: 'payment_id' },
      });
    }
    const id = `txn_${String(++this.seq).padStart(26, '0')}`;
    const newAccounts = new Map<string, Account>();
    const postings: Posting[] = body.postings.map((p) => {
      const key = accountKey(p.account);
      const account = this.accounts.get(key) ??
        newAccounts.get(key) ?? {
          ...p.account,
          id: `acc_${String(this.accounts.size + newAccounts.size + 1).padStart(26, '0')}`,
        };
      newAccounts.set(key, account);
      return {
        accountId: account.id,
        amountMinor: p.amountMinor,
        currency: p.account.currency,
        pending: p.pending === true,
      };
    });
    const byId = new Map([...newAccounts.values()].map((a) => [a.id, a]));
    const nextTotals = new Map<string, AccountTotals>();
    for (const [accountId, d] of totalsByAccount(postings, (p) => p.accountId)) {
      const before = this.totals.get(accountId) ?? ZERO_TOTALS;
      const after = {
        debitsPosted: before.debitsPosted + d.debits,
        creditsPosted: before.creditsPosted + d.credits,
        debitsPending: before.debitsPending + d.debitsPending,
        creditsPending: before.creditsPending + d.creditsPending,
      };
      if (Object.values(after).some((v) => v > MAX_MINOR)) {
        throw ledgerErrors.create(
          'LEDGER_BALANCE_OVERFLOW',
          'an account total would exceed 64 bits',
        );
      }
      const account = byId.get(accountId);
      if (
        account &&
        isGuarded(account) &&
        d.debits > 0n &&
        postedBalance(account.normalSide, after) < 0n
      ) {
        if (!this.settings?.allowsNegative(account.ownerId)) {
          throw ledgerErrors.create('LEDGER_INSUFFICIENT_FUNDS', 'balance too low', {
            details: { account_id: account.id, merchant_id: account.ownerId },
          });
        }
      }
      nextTotals.set(accountId, after);
    }
    // Nothing was refused: commit everything at once.
    for (const [key, account] of newAccounts) this.accounts.set(key, account);
    for (const [accountId, t] of nextTotals) this.totals.set(accountId, t);
    if (body.payment) this.payments.set(body.payment.record.paymentId, clone(body.payment.record));
    if (body.unapplied) {
      const record = clone(body.unapplied.record);
      if (body.unapplied.op === 'insert') record.holdTransactionId = id;
      else record.resolutionTransactionId = id;
      this.unapplied.set(record.caseId, record);
    }
    for (const draft of body.events) {
      const sequence = (this.sequences.get(draft.paymentId) ?? 0n) + 1n;
      this.sequences.set(draft.paymentId, sequence);
      this.events.push({
        ...clone(draft),
        eventId: `evt_${this.events.length + 1}`,
        sequence,
        ledgerTransactionId: id,
      });
    }
    const stored: StoredTransaction = {
      id,
      idempotencyKey: head.idempotencyKey,
      kind: head.kind,
      paymentId: head.paymentId,
      postings,
      createdAt: new Date(0),
      reversesTransactionId: head.reversesTransactionId,
      fingerprint: clone(head.fingerprint),
    };
    this.transactions.push(stored);
    const { fingerprint: _fingerprint, ...transaction } = clone(stored);
    return { recorded: true, transaction };
  }
}
