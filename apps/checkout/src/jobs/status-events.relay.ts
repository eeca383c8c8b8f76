import type { RecordStatusEvents } from '../app/record-status-events';
import type { Log } from '../domain/ports';

export interface StatusEventRelay {
  /** A transition owing an event just committed: hand it over now, not at the next tick. */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Sends owed status events to the ledger: at once when woken after a transition commits, and
 * every `intervalMs` for whatever is still owed (the ledger was down, the process restarted).
 * Rounds never overlap; wakes during a round coalesce into one more round.
 */
export function startStatusEventRelay(
  recorder: RecordStatusEvents,
  intervalMs: number,
  log: Log,
): StatusEventRelay {
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const round = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = recorder
      .sweep({ graceMs: 0 })
      .then(
        () => undefined,
        (err: unknown) => log.error({ err }, 'status event relay round failed'),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          round();
        } else {
          timer = setTimeout(round, intervalMs);
        }
      });
  };
  if (intervalMs > 0) timer = setTimeout(round, intervalMs);

  return {
    wake: () => {
      if (intervalMs > 0) round();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
