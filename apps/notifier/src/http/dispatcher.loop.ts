import type { Logger } from '@tolem/observability';

import type { AttemptSummary } from '../app/dispatch-due';

export interface DispatcherLoop {
  stop(): Promise<void>;
}

/**
 * Runs dispatcher rounds until stopped: immediately again after a full batch, else after pollMs.
 * A failing round (database down) is logged and retried; leased deliveries come back on their own.
 */
export function startDispatcherLoop(options: {
  dispatchDue: () => Promise<AttemptSummary[]>;
  batchSize: number;
  pollMs: number;
  log: Logger;
}): DispatcherLoop {
  const { dispatchDue, batchSize, pollMs, log } = options;
  let stopped = false;
  let wake: (() => void) | undefined;
  let failures = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    while (!stopped) {
      let handled = 0;
      try {
        const attempts = await dispatchDue();
        handled = attempts.length;
        for (const a of attempts) {
          const fields = {
            deliveryId: a.deliveryId,
            paymentId: a.paymentId,
            attempt: a.attempt,
            statusCode: a.statusCode,
          };
          if (a.status === 'delivered') log.info(fields, 'notification delivered');
          else if (a.status === 'exhausted')
            log.warn({ ...fields, error: a.error }, 'notification exhausted');
          else log.info({ ...fields, error: a.error }, 'notification not acknowledged; will retry');
        }
        failures = 0;
      } catch (err) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          log.warn({ err, failures }, 'dispatcher round failed');
      }
      if (!stopped && handled < batchSize) {
        await sleep(failures > 0 ? Math.min(5_000, pollMs * 2 ** Math.min(failures, 4)) : pollMs);
      }
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
