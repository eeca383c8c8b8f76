import type { makeExpirePayments } from '../app/expire-payments';
import type { Log } from '../domain/ports';
import { type IntervalJob, startIntervalJob } from './interval';

/** Marks overdue created/pending payments expired, every PAYMENT_EXPIRY_SWEEP_MS. */
export function startExpirySweeper(
  expire: ReturnType<typeof makeExpirePayments>,
  intervalMs: number,
  log: Log,
): IntervalJob {
  return startIntervalJob('expiry-sweeper', intervalMs, log, expire);
}
