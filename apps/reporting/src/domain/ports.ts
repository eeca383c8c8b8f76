import type { DailyTotalsDelta } from './daily-totals';
import type { PaymentCase } from './payment-case';
import type { PaymentFact } from './payment-fact';

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
 * Aggregates per merchant, UTC day, currency and status: the payment facts, plus case money
 * applied to payments that had already succeeded (see caseContribution).
 */
export interface DailyTotalsRepository {
  /** Adds the deltas (in the given order); rows left with no payment and no money disappear. */
  apply(deltas: DailyTotalsDelta[]): Promise<void>;
}
