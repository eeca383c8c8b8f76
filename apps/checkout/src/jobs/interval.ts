import type { Log } from '../domain/ports';

export interface IntervalJob {
  /** Stops scheduling and waits for the run in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs`, never overlapping itself (the next run is scheduled after the
 * previous one finishes). A failing run is logged and retried on the next tick. 0 disables.
 */
export function startIntervalJob(
  name: string,
  intervalMs: number,
  log: Log,
  run: () => Promise<unknown>,
): IntervalJob {
  if (intervalMs <= 0) return { stop: async () => undefined };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const tick = () => {
    inFlight = run()
      .then(
        () => undefined,
        (err: unknown) =>
          log.error({ job: name, err }, 'background job failed; retrying next tick'),
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
