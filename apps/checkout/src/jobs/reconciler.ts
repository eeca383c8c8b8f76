import type { Reconcile } from '../app/reconcile';
import type { Log } from '../domain/ports';
import { type IntervalJob, startIntervalJob } from './interval';

/** Runs a reconciliation pass every RECONCILE_SWEEP_MS (0 disables). */
export function startReconciler(reconcile: Reconcile, intervalMs: number, log: Log): IntervalJob {
  return startIntervalJob('reconciler', intervalMs, log, reconcile);
}
