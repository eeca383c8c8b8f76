import type { makeSweepCardBindings } from '../app/sweep-card-bindings';
import type { Log } from '../domain/ports';
import { type IntervalJob, startIntervalJob } from './interval';

/** Re-sends card bindings the recurring service has not acknowledged, every CARD_BINDING_SWEEP_MS. */
export function startCardBindingSweeper(
  sweep: ReturnType<typeof makeSweepCardBindings>,
  intervalMs: number,
  log: Log,
): IntervalJob {
  return startIntervalJob('card-binding-sweeper', intervalMs, log, sweep);
}
