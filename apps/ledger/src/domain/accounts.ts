import type { CurrencyCode } from '@tolem/money';

export type OwnerType = 'merchant' | 'provider' | 'platform';
export type AccountType = 'asset' | 'liability' | 'revenue' | 'expense';
export type Side = 'debit' | 'credit';

/** What identifies an account: one per (owner, purpose, currency, shard, mode). */
export interface AccountRef {
  ownerType: OwnerType;
  ownerId: string;
  /** available, clearing, fee_revenue, payout_clearing, unapplied_funds, refunds_payable. */
  purpose: string;
  currency: CurrencyCode;
  /** 0 for merchant accounts; 0..SYSTEM_SHARDS-1 for the split system accounts. */
  shard: number;
  /**
   * False for test money (a test key's payments and what follows from them), true for live.
   * Part of the identity, system accounts included, so test money never mixes with live money
   * anywhere: a live payout cannot take it, and every mode's books balance on their own.
   */
  livemode: boolean;
}

/** An account as the chart of accounts defines it; created on first use. */
export interface AccountSpec extends AccountRef {
  type: AccountType;
  normalSide: Side;
  /**
   * Informational since merchant settings own the overdraft rule (see isGuarded); kept
   * because the column exists and older rows carry it.
   */
  allowNegative: boolean;
}

export interface Account extends AccountSpec {
  /** `acc_…` */
  id: string;
}

/** The platform itself as an account owner. */
export const PLATFORM_OWNER_ID = 'tolem';

/**
 * System accounts (provider clearing, fee revenue, payout clearing) take a posting from nearly
 * every transaction. One row each would serialize every concurrent payment on its lock, so each
 * is split into this many shard accounts; the logical balance is the sum over the shards.
 */
export const SYSTEM_SHARDS = 16;

/**
 * The shard of a merchant's system postings: FNV-1a of the merchant id. Merchant-affine, so all
 * of one merchant's postings touch one shard and writers grouped by shard never share a row.
 */
export function shardOf(merchantId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < merchantId.length; i += 1) {
    hash ^= merchantId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % SYSTEM_SHARDS;
}

/**
 * The chart of accounts. Each factory fixes type and normal side, so a purpose can never be
 * created as an asset by one caller and a liability by another; each takes the mode (livemode)
 * of the money it holds, which is the payment's (or the payout's) mode.
 */
export const chart = {
  /** What Tolem owes the merchant and the merchant may withdraw (pending: held funds). */
  merchantAvailable(merchantId: string, currency: CurrencyCode, livemode: boolean): AccountSpec {
    return {
      ownerType: 'merchant',
      ownerId: merchantId,
      purpose: 'available',
      currency,
      shard: 0,
      livemode,
      type: 'liability',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
  /** What the provider owes Tolem for captured payments until it settles. */
  providerClearing(
    provider: string,
    currency: CurrencyCode,
    shard: number,
    livemode: boolean,
  ): AccountSpec {
    return {
      ownerType: 'provider',
      ownerId: provider,
      purpose: 'clearing',
      currency,
      shard,
      livemode,
      type: 'asset',
      normalSide: 'debit',
      allowNegative: false,
    };
  },
  /** Tolem's fees earned. */
  platformFeeRevenue(currency: CurrencyCode, shard: number, livemode: boolean): AccountSpec {
    return {
      ownerType: 'platform',
      ownerId: PLATFORM_OWNER_ID,
      purpose: 'fee_revenue',
      currency,
      shard,
      livemode,
      type: 'revenue',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
  /**
   * Verified provider money that matches no payment as it stands (a case): owed to the merchant
   * or to the payer until an operator decides. Few writes, so one account per currency.
   */
  platformUnappliedFunds(currency: CurrencyCode, livemode: boolean): AccountSpec {
    return {
      ownerType: 'platform',
      ownerId: PLATFORM_OWNER_ID,
      purpose: 'unapplied_funds',
      currency,
      shard: 0,
      livemode,
      type: 'liability',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
  /**
   * Refunds started and not yet ended: taken from the merchant at once, owed to the payer until
   * the provider refunds them or an operator pays them out (or back to the merchant when the
   * refund fails). Few writes, so one account per currency.
   */
  platformRefundsPayable(currency: CurrencyCode, livemode: boolean): AccountSpec {
    return {
      ownerType: 'platform',
      ownerId: PLATFORM_OWNER_ID,
      purpose: 'refunds_payable',
      currency,
      shard: 0,
      livemode,
      type: 'liability',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
  /** Money paid out to merchants and on its way to their bank accounts. */
  platformPayoutClearing(currency: CurrencyCode, shard: number, livemode: boolean): AccountSpec {
    return {
      ownerType: 'platform',
      ownerId: PLATFORM_OWNER_ID,
      purpose: 'payout_clearing',
      currency,
      shard,
      livemode,
      type: 'liability',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
} as const;

/** A stable string key of an account's identity, for maps and caches. */
export function accountKey(ref: AccountRef): string {
  const mode = ref.livemode ? 'live' : 'test';
  return `${ref.ownerType}/${ref.ownerId}/${ref.purpose}/${ref.currency}/${ref.shard}/${mode}`;
}

/**
 * Accounts under the overdraft guard: a merchant's available balance may not go below zero
 * through a debit unless the merchant's settings allow it. System accounts are not guarded
 * (a clearing shard legitimately dips when a refund lands before the next payment).
 */
export function isGuarded(ref: Pick<AccountRef, 'ownerType' | 'purpose'>): boolean {
  return ref.ownerType === 'merchant' && ref.purpose === 'available';
}

/** Running totals of an account; each total is non-negative, the sign lives in the side. */
export interface AccountTotals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export const ZERO_TOTALS: AccountTotals = Object.freeze({
  debitsPosted: 0n,
  creditsPosted: 0n,
  debitsPending: 0n,
  creditsPending: 0n,
});

/** The posted balance on the account's normal side (credits - debits for a liability). */
export function postedBalance(normalSide: Side, totals: AccountTotals): bigint {
  return normalSide === 'credit'
    ? totals.creditsPosted - totals.debitsPosted
    : totals.debitsPosted - totals.creditsPosted;
}

/**
 * The pending balance on the account's normal side. Pending totals only grow: a hold adds to
 * one side and its release (capture or void) adds the same amount to the other.
 */
export function pendingBalance(normalSide: Side, totals: AccountTotals): bigint {
  return normalSide === 'credit'
    ? totals.creditsPending - totals.debitsPending
    : totals.debitsPending - totals.creditsPending;
}
