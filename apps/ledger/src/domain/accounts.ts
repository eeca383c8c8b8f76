import type { CurrencyCode } from '@tolem/money';

export type OwnerType = 'merchant' | 'provider' | 'platform';
export type AccountType = 'asset' | 'liability' | 'revenue' | 'expense';
export type Side = 'debit' | 'credit';

/** What identifies an account: one per (owner, purpose, currency). */
export interface AccountRef {
  ownerType: OwnerType;
  ownerId: string;
  /** e.g. available, clearing, fee_revenue (later pending, payouts, …). */
  purpose: string;
  currency: CurrencyCode;
}

/** An account as the chart of accounts defines it; created on first use. */
export interface AccountSpec extends AccountRef {
  type: AccountType;
  normalSide: Side;
  allowNegative: boolean;
}

export interface Account extends AccountSpec {
  /** `acc_…` */
  id: string;
}

/** The platform itself as an account owner. */
export const PLATFORM_OWNER_ID = 'tolem';

/**
 * The chart of accounts. Each factory fixes type and normal side, so a purpose can never be
 * created as an asset by one caller and a liability by another.
 */
export const chart = {
  /** What Tolem owes the merchant and the merchant may withdraw. */
  merchantAvailable(merchantId: string, currency: CurrencyCode): AccountSpec {
    return {
      ownerType: 'merchant',
      ownerId: merchantId,
      purpose: 'available',
      currency,
      type: 'liability',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
  /** What the provider owes Tolem for captured payments until it settles. */
  providerClearing(provider: string, currency: CurrencyCode): AccountSpec {
    return {
      ownerType: 'provider',
      ownerId: provider,
      purpose: 'clearing',
      currency,
      type: 'asset',
      normalSide: 'debit',
      allowNegative: false,
    };
  },
  /** Tolem's fees earned. */
  platformFeeRevenue(currency: CurrencyCode): AccountSpec {
    return {
      ownerType: 'platform',
      ownerId: PLATFORM_OWNER_ID,
      purpose: 'fee_revenue',
      currency,
      type: 'revenue',
      normalSide: 'credit',
      allowNegative: false,
    };
  },
} as const;

/** A stable string key of an account's identity, for maps and caches. */
export function accountKey(ref: AccountRef): string {
  return `${ref.ownerType}/${ref.ownerId}/${ref.purpose}/${ref.currency}`;
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

/** The pending balance on the account's normal side. */
export function pendingBalance(normalSide: Side, totals: AccountTotals): bigint {
  return normalSide === 'credit'
    ? totals.creditsPending - totals.debitsPending
    : totals.debitsPending - totals.creditsPending;
}
