import type { Clock } from '../domain/ports';
import { attemptCardBinding, type CardBindingDeps } from './report-card-binding';

export interface SweepCardBindingsDeps extends CardBindingDeps {
  clock: Clock;
  batchSize?: number;
}

/**
 * One sweep: records card bindings the recurring service has not acknowledged yet (it was down
 * when the callback came, or the process stopped in between). Stops early while recurring is
 * unreachable; each binding waits out its own backoff.
 */
export function makeSweepCardBindings(deps: SweepCardBindingsDeps) {
  return async (): Promise<{ recorded: number; failed: number }> => {
    const due = await deps.bindings.listDue(deps.clock.now(), deps.batchSize ?? 100);
    let recorded = 0;
    let failed = 0;
    for (const binding of due) {
      const result = await attemptCardBinding(deps, binding);
      if (result === 'recorded') {
        recorded += 1;
        continue;
      }
      failed += 1;
      if (result === 'retry') break;
    }
    if (recorded > 0) deps.log.info({ recorded }, 'recorded pending card bindings');
    return { recorded, failed };
  };
}
