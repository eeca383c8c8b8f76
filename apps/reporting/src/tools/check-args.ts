import { parseArgs } from 'node:util';

import { dayBefore, isDay } from '../domain/consistency';
import { UsageError } from './export-args';

export interface CheckArgs {
  merchantId: string;
  fromDay: string;
  toDay: string;
  /** Runs before giving up on a difference (events may still be on their way), 1.. */
  attempts: number;
  /** Pause between attempts. */
  pauseMs: number;
}

/**
 * `--merchant` (default every merchant), `--from` / `--to` (UTC days, both included; default the
 * last `--days` days, 3, today included), `--attempts` (default 1), `--pause-ms` (default 2000).
 */
export function parseCheckArgs(argv: string[], now: Date): CheckArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      merchant: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      days: { type: 'string' },
      attempts: { type: 'string' },
      'pause-ms': { type: 'string' },
    },
    strict: true,
  });
  const positive = (raw: string | undefined, name: string, fallback: number) => {
    if (raw === undefined) return fallback;
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw new UsageError(`--${name} must be 1..`);
    return Number(raw);
  };
  const days = positive(values.days, 'days', 3);
  const fromDay = values.from ?? dayBefore(now, days - 1);
  const toDay = values.to ?? dayBefore(now, 0);
  if (!isDay(fromDay)) throw new UsageError('--from must be a date YYYY-MM-DD');
  if (!isDay(toDay)) throw new UsageError('--to must be a date YYYY-MM-DD');
  if (toDay < fromDay) throw new UsageError('--to must not be before --from');
  return {
    merchantId: values.merchant ?? '',
    fromDay,
    toDay,
    attempts: positive(values.attempts, 'attempts', 1),
    pauseMs: positive(values['pause-ms'], 'pause-ms', 2_000),
  };
}
