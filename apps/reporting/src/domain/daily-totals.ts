import type { PaymentCase } from './payment-case';
import type { PaymentFact } from './payment-fact';
import type { RefundFact } from './refund-fact';

export interface DailyTotalsKey {
  merchantId: string;
  /** UTC calendar day, `YYYY-MM-DD`. */
  day: string;
  currency: string;
  /** Lower-case method (`webmoney_purse`, …); empty when unknown. */
  method: string;
  status: string;
  /** Test (false) and live (true) money are never added together. */
  livemode: boolean;
}

export interface DailyTotalsDelta {
  key: DailyTotalsKey;
  paymentsCount: bigint;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function totalsKeyOf(fact: PaymentFact): DailyTotalsKey {
  return {
    merchantId: fact.merchantId,
    day: utcDay(fact.occurredAt),
    currency: fact.currency,
    method: fact.method,
    status: fact.status,
    livemode: fact.livemode,
  };
}

function keyString(k: DailyTotalsKey): string {
  return JSON.stringify([k.merchantId, k.day, k.currency, k.method, k.status, k.livemode]);
}

/** What one fact or case adds to one daily_totals row. */
export type TotalsContribution = DailyTotalsDelta;

/** A fact counts once, with its amounts, in its status on the day of its latest status change. */
export function factContribution(fact: PaymentFact): TotalsContribution[] {
  return [
    {
      key: totalsKeyOf(fact),
      paymentsCount: 1n,
      grossMinor: fact.grossMinor,
      feeMinor: fact.feeMinor,
      netMinor: fact.netMinor,
    },
  ];
}

/**
 * Case money credited to a payment that had already succeeded is succeeded money of the day it
 * was applied, without being another payment. Money still held or returned is nobody's revenue,
 * and money whose application made the payment succeed is already the payment's own amounts.
 */
export function caseContribution(c: PaymentCase | undefined): TotalsContribution[] {
  if (!c?.appliedOnTop || !c.appliedAt) return [];
  return [
    {
      key: {
        merchantId: c.merchantId,
        day: utcDay(c.appliedAt),
        currency: c.currency,
        method: c.method,
        status: 'succeeded',
        livemode: c.livemode,
      },
      paymentsCount: 0n,
      grossMinor: c.appliedGrossMinor,
      feeMinor: c.appliedFeeMinor,
      netMinor: c.appliedNetMinor,
    },
  ];
}

/**
 * What daily_totals must change when contributions go from `before` to `after`: the old ones leave
 * their (merchant, day, currency, method, status, mode) rows and the new ones join theirs, so a
 * status change moves the payment between statuses. Deltas that cancel out are dropped, and the
 * result is sorted by key so concurrent transactions lock rows in one order (no deadlocks).
 */
export function contributionsDelta(
  before: readonly TotalsContribution[],
  after: readonly TotalsContribution[],
): DailyTotalsDelta[] {
  const byKey = new Map<string, DailyTotalsDelta>();
  const add = (c: TotalsContribution, sign: bigint) => {
    const id = keyString(c.key);
    const current = byKey.get(id) ?? {
      key: c.key,
      paymentsCount: 0n,
      grossMinor: 0n,
      feeMinor: 0n,
      netMinor: 0n,
    };
    byKey.set(id, {
      key: c.key,
      paymentsCount: current.paymentsCount + sign * c.paymentsCount,
      grossMinor: current.grossMinor + sign * c.grossMinor,
      feeMinor: current.feeMinor + sign * c.feeMinor,
      netMinor: current.netMinor + sign * c.netMinor,
    });
  };
  for (const c of before) add(c, -1n);
  for (const c of after) add(c, 1n);
  return [...byKey.entries()]
    .filter(
      ([, d]) =>
        d.paymentsCount !== 0n || d.grossMinor !== 0n || d.feeMinor !== 0n || d.netMinor !== 0n,
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, d]) => d);
}

/** What daily_totals must change when a fact goes from `before` to `after`. */
export function totalsDelta(
  before: PaymentFact | undefined,
  after: PaymentFact,
): DailyTotalsDelta[] {
  return contributionsDelta(before ? factContribution(before) : [], factContribution(after));
}

/** A row with no payment and no money left is removed (a row may hold money of no payment). */
export function isEmptyTotalsRow(row: Omit<DailyTotalsDelta, 'key'>): boolean {
  return (
    row.paymentsCount === 0n && row.grossMinor === 0n && row.feeMinor === 0n && row.netMinor === 0n
  );
}

/** A refunds row of one (merchant, UTC day, currency, method, refund status, mode). */
export interface RefundTotalsDelta {
  key: DailyTotalsKey;
  refundsCount: bigint;
  amountMinor: bigint;
}

/** A refund counts once, with its amount, in its status on the day of its latest status change. */
export function refundContribution(r: RefundFact | undefined): RefundTotalsDelta[] {
  if (!r) return [];
  return [
    {
      key: {
        merchantId: r.merchantId,
        day: utcDay(r.statusAt),
        currency: r.currency,
        method: r.method,
        status: r.status,
        livemode: r.livemode,
      },
      refundsCount: 1n,
      amountMinor: r.amountMinor,
    },
  ];
}

/** What the refund totals must change when a refund goes from `before` to `after` (sorted by key). */
export function refundTotalsDelta(
  before: RefundFact | undefined,
  after: RefundFact | undefined,
): RefundTotalsDelta[] {
  const byKey = new Map<string, RefundTotalsDelta>();
  const add = (c: RefundTotalsDelta, sign: bigint) => {
    const id = keyString(c.key);
    const current = byKey.get(id) ?? { key: c.key, refundsCount: 0n, amountMinor: 0n };
    byKey.set(id, {
      key: c.key,
      refundsCount: current.refundsCount + sign * c.refundsCount,
      amountMinor: current.amountMinor + sign * c.amountMinor,
    });
  };
  for (const c of refundContribution(before)) add(c, -1n);
  for (const c of refundContribution(after)) add(c, 1n);
  return [...byKey.entries()]
    .filter(([, d]) => d.refundsCount !== 0n || d.amountMinor !== 0n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, d]) => d);
}
