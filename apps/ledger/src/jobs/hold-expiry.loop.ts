import type { Logger } from '@tolem/observability';
import { type Loop, startLoop } from '@tolem/runtime';

import type { makeExpireHolds } from '../app/holds';

/**
 * Voids holds past their timeout every intervalMs (TigerBeetle expires pending transfers the
 * same way), at once again while a round voided any. Safe with several ledger instances: each
 * expiry is one idempotent void.
 */
export function startHoldExpiryLoop(options: {
  expireHolds: ReturnType<typeof makeExpireHolds>;
  intervalMs: number;
  log: Logger;
}): Loop {
  const { expireHolds, intervalMs, log } = options;
  return startLoop({
    name: 'hold-expiry',
    async runOnce() {
      const voided = await expireHolds();
      if (voided > 0) log.info({ voided }, 'expired holds voided');
      return voided;
    },
    intervalMs,
    log,
    fullBatch: 1,
    immediate: true,
  });
}
