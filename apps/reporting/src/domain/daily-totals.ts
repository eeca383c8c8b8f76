import type { PaymentFact } from './payment-fact';

export interface DailyTotalsKey {
  merchantId: string;
  /** UTC calendar day, `YYYY-MM-DD`. */
  day: string;
  currency: string;
  status: string;
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
    status: fact.status,
  };
}

function keyString(k: DailyTotalsKey): string {
  return JSON.stringify([k.merchantId, k.day, k.currency, k.status]);
}

/**
 * What daily_totals must change when a fact goes from `before` to `after`: the old contribution
 * leaves its (merchant, day, currency, status) row and the new one joins its row, so a status change
 * moves the payment between statuses. Deltas that cancel out are dropped, and the result is sorted by key
 * so concurrent transactions lock rows in one order (no deadlocks).
 */
export function totalsDelta(
  before: PaymentFact | undefined,
  after: PaymentFact,
): DailyTotalsDelta[] {
  const byKey = new Map<string, DailyTotalsDelta>();
  const addContribution = (fact: PaymentFact, sign: bigint) => {
    const key = totalsKeyOf(fact);
    const id = keyString(key);
    const current = byKey.get(id) ?? {
      key,
      paymentsCount: 0n,
      grossMinor: 0n,
      feeMinor: 0n,
      netMinor: 0n,
    };
    byKey.set(id, {
      key,
      paymentsCount: current.paymentsCount + sign,
      grossMinor: current.grossMinor + sign * fact.grossMinor,
      feeMinor: current.feeMinor + sign * fact.feeMinor,
      netMinor: current.netMinor + sign * fact.netMinor,
    });
  };
  if (before) addContribution(before, -1n);
  addContribution(after, 1n);
  return [...byKey.entries()]
    .filter(
      ([, d]) =>
        d.paymentsCount !== 0n || d.grossMinor !== 0n || d.feeMinor !== 0n || d.netMinor !== 0n,
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, d]) => d);
}
