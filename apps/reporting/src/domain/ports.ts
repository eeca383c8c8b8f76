import type { MoneyDay } from './consistency';
import type { DailyTotalsDelta, RefundTotalsDelta } from './daily-totals';
import type { PaymentCase } from './payment-case';
import type { PaymentFact } from './payment-fact';
import type { RefundFact } from './refund-fact';

export interface Clock {
  now(): Date;
}

/** Position in a time-ordered list of facts (keyset paging). */
export interface FactCursor {
  occurredAt: Date;
  paymentId: string;
}

export interface FactQuery {
  merchantId: string;
  /** Inclusive lower bound on occurred_at. */
  from?: Date;
  /** Exclusive upper bound on occurred_at. */
  to?: Date;
  /** Only test (false) or live (true) rows; absent: both (operators). */
  livemode?: boolean;
  /** Rows strictly after this position in the chosen order. */
  after?: FactCursor;
  /** `desc`: newest first (the API); `asc`: oldest first (exports). */
  order: 'asc' | 'desc';
  limit: number;
}

/** Payment facts, one per payment. */
export interface PaymentFactRepository {
  get(paymentId: string): Promise<PaymentFact | undefined>;
  /** Reads the fact and locks it until the surrounding transaction ends. */
  getForUpdate(paymentId: string): Promise<PaymentFact | undefined>;
  /**
   * Stores the fact: a plain insert when `isNew` (a concurrent insert of the same payment fails the
   * transaction, which is retried, instead of silently counting the payment twice), else an update
   * of the row locked by getForUpdate.
   */
  save(fact: PaymentFact, isNew: boolean): Promise<void>;
  list(query: FactQuery): Promise<PaymentFact[]>;
}

/** The money of payments' cases (unapplied, applied, returned), one row per case. */
export interface PaymentCaseRepository {
  /** Reads the case and locks it until the surrounding transaction ends. */
  getForUpdate(caseId: string): Promise<PaymentCase | undefined>;
  /** Stores the case: an insert when `isNew`, else an update of the row locked by getForUpdate. */
  save(paymentCase: PaymentCase, isNew: boolean): Promise<void>;
}

/**
 * Aggregates per merchant, UTC day, currency, method, status and mode: the payment facts, plus case
 * money applied to payments that had already succeeded (see caseContribution).
 */
export interface DailyTotalsRepository {
  /** Adds the deltas (in the given order); rows left with no payment and no money disappear. */
  apply(deltas: DailyTotalsDelta[]): Promise<void>;
}

/** Refunds, one row per refund. */
export interface RefundFactRepository {
  /** Reads the refund and locks it until the surrounding transaction ends. */
  getForUpdate(refundId: string): Promise<RefundFact | undefined>;
  /** An insert when `isNew`, else an update of the row locked by getForUpdate. */
  save(refund: RefundFact, isNew: boolean): Promise<void>;
  /** A merchant's refunds (optionally one payment's), newest status change first, keyset paged. */
  list(query: RefundQuery): Promise<RefundFact[]>;
}

export interface RefundCursor {
  statusAt: Date;
  refundId: string;
}

export interface RefundQuery {
  merchantId: string;
  paymentId?: string;
  /** Only test (false) or live (true) rows; absent: both (operators). */
  livemode?: boolean;
  after?: RefundCursor;
  limit: number;
}

/** Refund aggregates per merchant, UTC day, currency, method, refund status and mode. */
export interface RefundTotalsRepository {
  /** Adds the deltas (in the given order); rows left with no refund disappear. */
  apply(deltas: RefundTotalsDelta[]): Promise<void>;
}

/** Position in the created-time order of payments (keyset paging). */
export interface PaymentCursor {
  createdAt: Date;
  paymentId: string;
}

/** The filter of payments lists and exports. */
export interface PaymentFilter {
  merchantId: string;
  status?: string;
  method?: string;
  currency?: string;
  /** Inclusive lower bound on created_at. */
  createdFrom?: Date;
  /** Exclusive upper bound on created_at. */
  createdTo?: Date;
  /** Only test (false) or live (true) rows; absent: both (operators). */
  livemode?: boolean;
}

export interface PaymentQuery extends PaymentFilter {
  after?: PaymentCursor;
  /** `desc`: newest first (the API); `asc`: oldest first (exports). */
  order: 'asc' | 'desc';
  limit: number;
}

/** Reads of payments by filter. */
export interface PaymentSearch {
  search(query: PaymentQuery): Promise<PaymentFact[]>;
}

export interface PaymentTotalsRow {
  day: string;
  currency: string;
  method: string;
  status: string;
  livemode: boolean;
  paymentsCount: bigint;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
}

export interface RefundTotalsRow {
  day: string;
  currency: string;
  method: string;
  status: string;
  livemode: boolean;
  refundsCount: bigint;
  amountMinor: bigint;
}

export interface DailyTotalsQuery {
  merchantId: string;
  /** UTC days, both included. */
  fromDay: string;
  toDay: string;
  method?: string;
  currency?: string;
  /** Only test (false) or live (true) rows; absent: both (operators). */
  livemode?: boolean;
}

/** Reads of the maintained daily totals. */
export interface DailyTotalsReader {
  payments(query: DailyTotalsQuery): Promise<PaymentTotalsRow[]>;
  refunds(query: DailyTotalsQuery): Promise<RefundTotalsRow[]>;
}

/** Money per merchant, currency, UTC day and mode, as one side (reporting or the ledger) holds it. */
export interface MoneyDaysSource {
  moneyDays(query: { merchantId?: string; fromDay: string; toDay: string }): Promise<MoneyDay[]>;
}
