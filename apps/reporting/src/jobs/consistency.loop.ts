import type { Logger } from '@tolem/observability';

import type { makeConsistencyMonitor } from '../app/check-consistency';

export interface ConsistencyLoop {
  stop(): Promise<void>;
}

/**
 * Runs the reporting-vs-ledger check every intervalMs; GetConsistency answers the latest report.
 * A difference is logged as a warning (today's may be an event still on its way), an unreadable
 * side as an error of that run only.
 */
export function startConsistencyLoop(options: {
  monitor: Pick<ReturnType<typeof makeConsistencyMonitor>, 'runOnce'>;
  intervalMs: number;
  log: Logger;
}): ConsistencyLoop {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        const report = await options.monitor.runOnce();
        if (report.error) options.log.warn({ error: report.error }, 'consistency check failed');
        else if (!report.consistent)
          options.log.warn(
            { differences: report.differences.length, first: report.differences[0] },
            'reporting differs from the ledger',
          );
      } catch (err) {
        options.log.warn({ err }, 'consistency check failed; retrying');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
