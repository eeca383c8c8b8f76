import type { Logger } from '@tolem/observability';
import { type Loop, startLoop } from '@tolem/runtime';

import type { makeConsistencyMonitor } from '../app/check-consistency';

/**
 * Runs the reporting-vs-ledger check every intervalMs (first at start); GetConsistency answers the
 * latest report. A difference is logged as a warning (today's may be an event still on its way), an
 * unreadable side as a warning of that run only.
 */
export function startConsistencyLoop(options: {
  monitor: Pick<ReturnType<typeof makeConsistencyMonitor>, 'runOnce'>;
  intervalMs: number;
  log: Logger;
}): Loop {
  const { monitor, intervalMs, log } = options;
  return startLoop({
    name: 'consistency-check',
    intervalMs,
    immediate: true,
    log,
    async runOnce() {
      const report = await monitor.runOnce();
      if (report.error) log.warn({ error: report.error }, 'consistency check failed');
      else if (!report.consistent)
        log.warn(
          { differences: report.differences.length, first: report.differences[0] },
          'reporting differs from the ledger',
        );
    },
  });
}
