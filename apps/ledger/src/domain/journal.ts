import type { AccountSpec } from './accounts';
import { ledgerErrors } from './errors';

/** What a transaction is for; later kinds: refund, payout, transfer, hold. */
export type TransactionKind = 'payment';

/** A posting before its account exists: + debit, - credit, in the account's currency. */
export interface PostingDraft {
  account: AccountSpec;
  amountMinor: bigint;
}

/** A stored posting. */
export interface Posting {
  accountId: string;
  /** + debit, - credit, in minor units. */
  amountMinor: bigint;
  currency: string;
}

/** A journal transaction: immutable once written. */
export interface Transaction {
  /** `txn_…` */
  id: string;
  idempotencyKey: string;
  kind: TransactionKind;
  paymentId: string;
  postings: Posting[];
  createdAt: Date;
}

/**
 * The double-entry invariant, checked before anything is written: at least two postings, none
 * zero, and per currency the debits equal the credits.
 */
export function assertBalanced(postings: readonly PostingDraft[]): void {
  if (postings.length < 2) {
    throw ledgerErrors.create(
      'LEDGER_UNBALANCED_TRANSACTION',
      'a transaction needs at least two postings',
    );
  }
  const sums = new Map<string, bigint>();
  for (const p of postings) {
    if (p.amountMinor === 0n) {
      throw ledgerErrors.create('LEDGER_UNBALANCED_TRANSACTION', 'a posting must not be zero');
    }
    sums.set(p.account.currency, (sums.get(p.account.currency) ?? 0n) + p.amountMinor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) {
      throw ledgerErrors.create(
        'LEDGER_UNBALANCED_TRANSACTION',
        `postings in ${currency} sum to ${sum.toString()}, not zero`,
      );
    }
  }
}

/** Debit and credit totals a set of postings adds to each account (both non-negative). */
export function totalsByAccount<T extends { amountMinor: bigint }>(
  postings: readonly T[],
  keyOf: (posting: T) => string,
): Map<string, { debits: bigint; credits: bigint }> {
  const totals = new Map<string, { debits: bigint; credits: bigint }>();
  for (const p of postings) {
    const key = keyOf(p);
    const t = totals.get(key) ?? { debits: 0n, credits: 0n };
    if (p.amountMinor > 0n) t.debits += p.amountMinor;
    else t.credits -= p.amountMinor;
    totals.set(key, t);
  }
  return totals;
}
