import { isDay } from '../domain/consistency';
import { reportingErrors } from '../domain/errors';
import type {
  DailyTotalsQuery,
  DailyTotalsReader,
  PaymentTotalsRow,
  RefundTotalsRow,
} from '../domain/ports';

/** The longest range one call reads: a year of days. */
export const MAX_TOTALS_DAYS = 366;

function invalid(field: string, message: string) {
  return reportingErrors.create('REPORTING_INVALID_REQUEST', message, { details: { field } });
}

/**
 * A merchant's daily totals over a range of UTC days (both included): payments per day, currency,
 * method and status, and refunds apart (a refund counts in its own status on its own day).
 */
export function makeGetDailyTotals(deps: { totals: DailyTotalsReader }) {
  return async (
    q: DailyTotalsQuery,
  ): Promise<{ payments: PaymentTotalsRow[]; refunds: RefundTotalsRow[] }> => {
    if (!q.merchantId) throw invalid('merchant_id', 'merchant_id is required');
    if (!isDay(q.fromDay)) throw invalid('from_day', 'from_day must be a day, YYYY-MM-DD');
    if (!isDay(q.toDay)) throw invalid('to_day', 'to_day must be a day, YYYY-MM-DD');
    if (q.fromDay > q.toDay) throw invalid('from_day', 'from_day must not be after to_day');
    const days = (Date.parse(q.toDay) - Date.parse(q.fromDay)) / 86_400_000 + 1;
    if (days > MAX_TOTALS_DAYS) {
      throw invalid('to_day', `at most ${MAX_TOTALS_DAYS} days per call`);
    }
    const query = { ...q, method: q.method || undefined, currency: q.currency || undefined };
    const [payments, refunds] = await Promise.all([
      deps.totals.payments(query),
      deps.totals.refunds(query),
    ]);
    return { payments, refunds };
  };
}
