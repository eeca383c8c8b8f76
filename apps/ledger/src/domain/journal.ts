import type { AccountSpec } from './accounts';
import { ledgerErrors } from './errors';

/**
 * What a transaction is for. `payment` is a succeeded payment or a captured hold (one per
 * payment), `hold` / `hold_void` the two-phase pending legs, `transfer` a PostTransaction entry
 * between system accounts, `reversal` the mirror of an earlier transaction. `unapplied_*`: a
 * case's money held in unapplied funds, applied to the merchant on top of a posted payment, or
 * returned to the payer (applying to a payment not yet posted is that payment's `payment`).
 */
export type TransactionKind =
  | 'payment'
  | 'refund'
  | 'payout'
  | 'hold'
  | 'hold_void'
  | 'reversal'
  | 'transfer'
  | 'unapplied_hold'
  | 'unapplied_apply'
  | 'unapplied_return';

/** A posting before its account exists: + debit, - credit, in the account's currency. */
export interface PostingDraft {
  account: AccountSpec;
  amountMinor: bigint;
  /** A two-phase (pending) posting: counts in the pending totals, not the posted ones. */
  pending?: boolean;
}

/** A stored posting. */
export interface Posting {
  accountId: string;
  /** + debit, - credit, in minor units. */
  amountMinor: bigint;
  currency: string;
  pending: boolean;
}

/** A journal transaction: immutable once written. */
export interface Transaction {
  /** `txn_…` */
  id: string;
  idempotencyKey: string;
  kind: TransactionKind;
  /** The payment (or payout) it belongs to; '' for transfers. */
  paymentId: string;
  postings: Posting[];
  createdAt: Date;
  /** For a reversal: the transaction it mirrors; '' otherwise. */
  reversesTransactionId: string;
}

/**
 * The double-entry invariant, checked before anything is written: at least two postings, none
 * zero, and per currency the debits equal the credits, for posted and pending postings apart
 * (a hold must not borrow from posted money to balance).
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
    const key = `${p.account.currency}${p.pending ? ' pending' : ''}`;
    sums.set(key, (sums.get(key) ?? 0n) + p.amountMinor);
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

/** What a set of postings adds to one account's four running totals (all non-negative). */
export interface TotalsDelta {
  debits: bigint;
  credits: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

/** Debit and credit totals (posted and pending) a set of postings adds to each account. */
export function totalsByAccount<T extends { amountMinor: bigint; pending?: boolean }>(
  postings: readonly T[],
  keyOf: (posting: T) => string,
): Map<string, TotalsDelta> {
  const totals = new Map<string, TotalsDelta>();
  for (const p of postings) {
    const key = keyOf(p);
    const t = totals.get(key) ?? { debits: 0n, credits: 0n, debitsPending: 0n, creditsPending: 0n };
    if (p.pending) {
      if (p.amountMinor > 0n) t.debitsPending += p.amountMinor;
      else t.creditsPending -= p.amountMinor;
    } else if (p.amountMinor > 0n) t.debits += p.amountMinor;
    else t.credits -= p.amountMinor;
    totals.set(key, t);
  }
  return totals;
}
