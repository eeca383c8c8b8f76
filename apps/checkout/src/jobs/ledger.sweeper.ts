import type { makeSweepUnposted } from '../app/sweep-unposted';
import type { Log } from '../domain/ports';
import { type IntervalJob, startIntervalJob } from './interval';

/** Re-posts succeeded payments the ledger has not acknowledged, every LEDGER_SWEEP_MS. */
export function startLedgerSweeper(
  sweep: ReturnType<typeof makeSweepUnposted>,
  intervalMs: number,
  log: Log,
): IntervalJob {
  return startIntervalJob('ledger-sweeper', intervalMs, log, sweep);
}
