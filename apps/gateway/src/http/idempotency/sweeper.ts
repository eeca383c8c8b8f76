import type { Logger } from '@tolem/observability';

import type { IdempotencyStore } from './store';

export interface IdempotencySweeper {
  /** One pass: deletes expired keys in batches until none is left; returns how many. */
  sweepOnce(): Promise<number>;
  stop(): void;
}

/**
 * Deletes keys past their 24 hours, a bounded batch per statement so a backlog never holds one
 * long transaction. An expired key is already ignored by claim (taken over), so the sweeper only
 * keeps the table small; running late costs space, not correctness.
 */
export function startIdempotencySweeper(options: {
  store: IdempotencyStore;
  clock: () => Date;
  log: Logger;
  intervalMs?: number;
  batchSize?: number;
}): IdempotencySweeper {
  const batchSize = options.batchSize ?? 1_000;
  let running: Promise<number> | null = null;

  const sweepOnce = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const deleted = await options.store.sweep(options.clock(), batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  };

  const timer = setInterval(() => {
    if (running) return;
    running = sweepOnce()
      .then((n) => {
        if (n > 0) options.log.info({ deleted: n }, 'idempotency: expired keys deleted');
        return n;
      })
      .catch((err: unknown) => {
        options.log.warn({ err }, 'idempotency: sweep failed; retrying next interval');
        return 0;
      })
      .finally(() => {
        running = null;
      });
  }, options.intervalMs ?? 60_000);
  timer.unref();

  return { sweepOnce, stop: () => clearInterval(timer) };
}
