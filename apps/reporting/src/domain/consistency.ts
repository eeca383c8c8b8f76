/**
 * What reporting and the ledger must agree on, per merchant, currency, UTC day and mode (test and
 * live money are compared apart, so a test payment can never hide a missing live one): the payments
 * that succeeded that day (a refund changes none of their amounts or their day), the refunds
 * started that day (the merchant's balance was debited) and the refunds that succeeded that day.
 * All amounts are integer minor units.
 */
export interface MoneyDay {
  merchantId: string;
  currency: string;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  livemode: boolean;
  paymentsCount: bigint;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
  refundsStartedCount: bigint;
  refundsStartedMinor: bigint;
  refundsSucceededCount: bigint;
  refundsSucceededMinor: bigint;
}

export const MONEY_DAY_METRICS = [
  ['payments_count', 'paymentsCount'],
  ['gross_minor', 'grossMinor'],
  ['fee_minor', 'feeMinor'],
  ['net_minor', 'netMinor'],
  ['refunds_started_count', 'refundsStartedCount'],
  ['refunds_started_minor', 'refundsStartedMinor'],
  ['refunds_succeeded_count', 'refundsSucceededCount'],
  ['refunds_succeeded_minor', 'refundsSucceededMinor'],
] as const;

/**
 * What the maintained daily totals can be held to: payments per day, and refunds that succeeded
 * (a succeeded refund's day is that of its success). Refunds started are not in them (a refund
 * row moves to the day of its latest status).
 */
export const DAILY_TOTALS_METRICS = MONEY_DAY_METRICS.filter(
  ([name]) => !name.startsWith('refunds_started'),
);

export interface ConsistencyDifference {
  merchantId: string;
  currency: string;
  day: string;
  livemode: boolean;
  /**
   * One of MONEY_DAY_METRICS' names, e.g. `gross_minor`, for reporting's rows; prefixed
   * `daily_totals.` for its maintained daily totals.
   */
  metric: string;
  reporting: bigint;
  ledger: bigint;
}

export interface ConsistencyReport {
  consistent: boolean;
  checkedAt: Date;
  fromDay: string;
  toDay: string;
  differences: ConsistencyDifference[];
  /** Set when the check could not compare (a side unreachable); then it is not consistent. */
  error: string;
}

const keyOf = (d: Pick<MoneyDay, 'merchantId' | 'currency' | 'day' | 'livemode'>) =>
  JSON.stringify([d.merchantId, d.currency, d.day, d.livemode]);

/**
 * Every metric that differs between the two sides, sorted by merchant, currency, day, mode (test
 * first) and metric; a day one side lacks counts as zeros there (so a missing row shows up as a
 * difference).
 */
export function compareMoneyDays(
  reporting: readonly MoneyDay[],
  ledger: readonly MoneyDay[],
  metrics: readonly (readonly [string, keyof MoneyDay])[] = MONEY_DAY_METRICS,
  prefix = '',
): ConsistencyDifference[] {
  const left = new Map(reporting.map((d) => [keyOf(d), d]));
  const right = new Map(ledger.map((d) => [keyOf(d), d]));
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  const out: ConsistencyDifference[] = [];
  for (const key of keys) {
    const r = left.get(key);
    const l = right.get(key);
    const who = (r ?? l) as MoneyDay;
    for (const [metric, field] of metrics) {
      const a = (r?.[field] as bigint | undefined) ?? 0n;
      const b = (l?.[field] as bigint | undefined) ?? 0n;
      if (a !== b) {
        out.push({
          merchantId: who.merchantId,
          currency: who.currency,
          day: who.day,
          livemode: who.livemode,
          metric: `${prefix}${metric}`,
          reporting: a,
          ledger: b,
        });
      }
    }
  }
  return out;
}

/** `YYYY-MM-DD` of `at` minus `days` UTC days. */
export function dayBefore(at: Date, days: number): string {
  return new Date(at.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day in `YYYY-MM-DD` form. */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
