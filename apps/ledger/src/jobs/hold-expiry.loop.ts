import type { Logger } from '@tolem/observability';

import type { makeExpireHolds } from '../app/holds';

export interface HoldExpiryLoop {
  stop(): Promise<void>;
}

/**
 * Voids holds past their timeout every intervalMs (TigerBeetle expires pending transfers the
 * same way). Safe with several ledger instances: each expiry is one idempotent void.
 */
export function startHoldExpiryLoop(options: {
  expireHolds: ReturnType<typeof makeExpireHolds>;
  intervalMs: number;
  log: Logger;
}): HoldExpiryLoop {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        let voided = await options.expireHolds();
        while (voided > 0 && !stopped) {
          options.log.info({ voided }, 'expired holds voided');
          voided = await options.expireHolds();
        }
      } catch (err) {
        options.log.warn({ err }, 'hold expiry sweep failed; retrying');
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
