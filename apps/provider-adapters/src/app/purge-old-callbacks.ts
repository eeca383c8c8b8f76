import type { CallbackLog, Clock } from '../domain/ports';

export interface PurgeOldCallbacksDeps {
  callbacks: Pick<CallbackLog, 'deleteReceivedBefore'>;
  clock: Clock;
  /** Raw callbacks are kept this many days for disputes and replays, then deleted. */
  retentionDays: number;
  /** Rows per delete statement. */
  batchSize: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The raw-callback audit table's retention: deletes callbacks received more than `retentionDays`
 * ago, `batchSize` rows per statement, until a short batch says none are left. Returns how many
 * went. The cutoff is fixed at the start, so callbacks arriving meanwhile are never touched.
 */
export function makePurgeOldCallbacks(deps: PurgeOldCallbacksDeps) {
  return async function purgeOldCallbacks(): Promise<number> {
    const cutoff = new Date(deps.clock.now().getTime() - deps.retentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const deleted = await deps.callbacks.deleteReceivedBefore(cutoff, deps.batchSize);
      total += deleted;
      if (deleted < deps.batchSize) return total;
    }
  };
}
