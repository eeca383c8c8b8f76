import { type Account, accountKey, type AccountTotals, ZERO_TOTALS } from '../domain/accounts';
import { ledgerErrors } from '../domain/errors';
import type { PaymentEventRecord } from '../domain/events';
import { totalsByAccount } from '../domain/journal';
import type {
  BalanceRepository,
  JournalRepository,
  NewTransaction,
  StoredTransaction,
} from '../domain/ports';

/**
 * In-memory journal for unit tests: the same contract as the PostgreSQL one (all or nothing,
 * insert-once per idempotency key, one payment posting per payment), no I/O.
 */
export class InMemoryJournal implements JournalRepository, BalanceRepository {
  readonly transactions: StoredTransaction[] = [];
  readonly events: PaymentEventRecord[] = [];
  readonly accounts = new Map<string, Account>();
  readonly totals = new Map<string, AccountTotals>();
  private seq = 0;
  private readonly sequences = new Map<string, bigint>();
  /** Runs before a write's key check, to simulate a concurrent writer winning the race. */
  beforeRecord: (() => Promise<unknown>) | undefined;

  async findByIdempotencyKey(key: string): Promise<StoredTransaction | undefined> {
    return this.transactions.find((t) => t.idempotencyKey === key);
  }

  async record(tx: NewTransaction) {
    await this.beforeRecord?.();
    const existing = this.transactions.find((t) => t.idempotencyKey === tx.idempotencyKey);
    if (existing) return { recorded: false as const, existing };
    if (
      tx.kind === 'payment' &&
      this.transactions.some((t) => t.kind === 'payment' && t.paymentId === tx.paymentId)
    ) {
      throw ledgerErrors.create('LEDGER_PAYMENT_ALREADY_POSTED', 'already posted', {
        details: { field: 'payment_id' },
      });
    }
    const id = `txn_${String(++this.seq).padStart(26, '0')}`;
    const postings = tx.postings.map((p) => {
      const key = accountKey(p.account);
      const account = this.accounts.get(key) ?? {
        ...p.account,
        id: `acc_${String(this.accounts.size + 1).padStart(26, '0')}`,
      };
      this.accounts.set(key, account);
      return { accountId: account.id, amountMinor: p.amountMinor, currency: p.account.currency };
    });
    for (const [accountId, t] of totalsByAccount(postings, (p) => p.accountId)) {
      const before = this.totals.get(accountId) ?? ZERO_TOTALS;
      this.totals.set(accountId, {
        ...before,
        debitsPosted: before.debitsPosted + t.debits,
        creditsPosted: before.creditsPosted + t.credits,
      });
    }
    for (const draft of tx.events) {
      const sequence = (this.sequences.get(draft.paymentId) ?? 0n) + 1n;
      this.sequences.set(draft.paymentId, sequence);
      this.events.push({
        ...draft,
        eventId: `evt_${this.events.length + 1}`,
        sequence,
        ledgerTransactionId: id,
      });
    }
    const stored: StoredTransaction = {
      id,
      idempotencyKey: tx.idempotencyKey,
      kind: tx.kind,
      paymentId: tx.paymentId,
      postings,
      createdAt: new Date(0),
      fingerprint: structuredClone(tx.fingerprint),
    };
    this.transactions.push(stored);
    const { fingerprint: _fingerprint, ...transaction } = stored;
    return { recorded: true as const, transaction };
  }

  async listByPayment(paymentId: string) {
    return this.transactions
      .filter((t) => t.paymentId === paymentId)
      .map(({ fingerprint: _f, ...t }) => t);
  }

  async totalsOf(ref: Parameters<BalanceRepository['totalsOf']>[0]) {
    const account = this.accounts.get(accountKey(ref));
    if (!account) return undefined;
    return { normalSide: account.normalSide, totals: this.totals.get(account.id) ?? ZERO_TOTALS };
  }
}
