import { ledgerErrors } from '../domain/errors';

/** What the journal holds per merchant, currency, UTC day and mode (amounts in minor units). */
export interface DailyMoney {
  merchantId: string;
  currency: string;
  day: string;
  /** The payments' mode (`details.livemode`; a payment from before modes is a test one). */
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

export interface DailyMoneyQuery {
  /** Empty: every merchant. */
  merchantId: string;
  /** UTC days, both included. */
  fromDay: string;
  toDay: string;
}

/** The longest range one call reads. */
export const MAX_DAILY_MONEY_DAYS = 366;

function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function invalid(field: string, message: string): never {
  throw ledgerErrors.create('LEDGER_INVALID_REQUEST', message, { details: { field } });
}

/**
 * The journal's money per merchant, currency, day and mode, for reporting's consistency check: a
 * read of what was posted, never of what was published.
 */
export function makeGetDailyMoneyTotals(deps: {
  read: (q: DailyMoneyQuery) => Promise<DailyMoney[]>;
}) {
  return async (q: DailyMoneyQuery): Promise<DailyMoney[]> => {
    if (!isDay(q.fromDay)) invalid('from_day', 'from_day must be a day, YYYY-MM-DD');
    if (!isDay(q.toDay)) invalid('to_day', 'to_day must be a day, YYYY-MM-DD');
    if (q.fromDay > q.toDay) invalid('from_day', 'from_day must not be after to_day');
    if ((Date.parse(q.toDay) - Date.parse(q.fromDay)) / 86_400_000 + 1 > MAX_DAILY_MONEY_DAYS) {
      invalid('to_day', `at most ${MAX_DAILY_MONEY_DAYS} days per call`);
    }
    return deps.read(q);
  };
}
