import {
  compareMoneyDays,
  type ConsistencyReport,
  DAILY_TOTALS_METRICS,
  dayBefore,
  isDay,
} from '../domain/consistency';
import { reportingErrors } from '../domain/errors';
import type { Clock, MoneyDaysSource } from '../domain/ports';

export interface CheckConsistencyDeps {
  /** Reporting's own rows. */
  reporting: MoneyDaysSource;
  /** The ledger's journal (GetDailyMoneyTotals). */
  ledger: MoneyDaysSource;
  /** Reporting's maintained daily totals, held to the ledger too (DAILY_TOTALS_METRICS). */
  totals?: MoneyDaysSource;
  clock: Clock;
}

export interface ConsistencyRange {
  /** Empty or absent: every merchant. */
  merchantId?: string;
  fromDay: string;
  toDay: string;
}

/**
 * Compares reporting with the ledger per merchant, currency, UTC day and mode over a range of days.
 * A side that cannot be read makes the report inconsistent with its error, never consistent.
 */
export function makeCheckConsistency(deps: CheckConsistencyDeps) {
  return async (range: ConsistencyRange): Promise<ConsistencyReport> => {
    if (!isDay(range.fromDay) || !isDay(range.toDay) || range.fromDay > range.toDay) {
      throw reportingErrors.create(
        'REPORTING_INVALID_REQUEST',
        'from_day and to_day must be days, YYYY-MM-DD, in order',
        { details: { field: 'from_day' } },
      );
    }
    const query = { ...range, merchantId: range.merchantId || undefined };
    const base = { checkedAt: deps.clock.now(), fromDay: range.fromDay, toDay: range.toDay };
    try {
      const [reporting, ledger, totals] = await Promise.all([
        deps.reporting.moneyDays(query),
        deps.ledger.moneyDays(query),
        deps.totals?.moneyDays(query),
      ]);
      const differences = [
        ...compareMoneyDays(reporting, ledger),
        ...(totals ? compareMoneyDays(totals, ledger, DAILY_TOTALS_METRICS, 'daily_totals.') : []),
      ];
      return { ...base, consistent: differences.length === 0, differences, error: '' };
    } catch (err) {
      return { ...base, consistent: false, differences: [], error: (err as Error).message };
    }
  };
}

/** The days the continuous check covers: the last `days` UTC days, today included. */
export function recentRange(now: Date, days: number): ConsistencyRange {
  return { fromDay: dayBefore(now, days - 1), toDay: dayBefore(now, 0) };
}

/**
 * The continuous check's state: the latest report, replaced by each run. A difference on today's
 * rows may be an event still on its way; one that survives the next run is real.
 */
export function makeConsistencyMonitor(deps: {
  check: ReturnType<typeof makeCheckConsistency>;
  clock: Clock;
  days: number;
}) {
  let last: ConsistencyReport | undefined;
  return {
    latest: (): ConsistencyReport | undefined => last,
    async runOnce(): Promise<ConsistencyReport> {
      last = await deps.check(recentRange(deps.clock.now(), deps.days));
      return last;
    },
  };
}
