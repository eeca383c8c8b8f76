import type { EventLog } from '../domain/ports';

export interface CallbackRetentionSweeper {
  /** Stops scheduling and waits for the sweep in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs the callback purge every `intervalMs` (0 disables), never overlapping itself: the next
 * sweep is scheduled when the previous one ends. A failed sweep is logged and tried next time.
 */
export function startCallbackRetentionSweeper(
  purge: () => Promise<number>,
  intervalMs: number,
  log: EventLog,
): CallbackRetentionSweeper {
  if (intervalMs <= 0) return { stop: async () => undefined };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const tick = () => {
    inFlight = purge()
      .then(
        (deleted) => {
          if (deleted > 0)
            log.info({ job: 'callback-retention', deleted }, 'old callbacks deleted');
        },
        (err: unknown) =>
          log.error({ job: 'callback-retention', err }, 'callback purge failed; retrying later'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
