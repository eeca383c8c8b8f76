/** What a loop logs through; pino satisfies it. */
export interface LoopLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface LoopOptions {
  /** In log lines (`expiry-sweeper`). */
  name: string;
  /**
   * One round. When it resolves to a number, that is how many items it handled: a round that
   * handled `fullBatch` or more is followed at once by another (there is probably more to do).
   */
  runOnce(): Promise<unknown>;
  /** Pause between rounds; 0 or less disables the loop (wake and stop do nothing). */
  intervalMs: number;
  log: LoopLog;
  /** See runOnce; without it every round is followed by the pause. */
  fullBatch?: number;
  /** Run the first round at once instead of after intervalMs. */
  immediate?: boolean;
  /**
   * After consecutive failures the pause doubles from intervalMs up to this (default intervalMs:
   * a failed round is simply tried again after the usual pause).
   */
  maxBackoffMs?: number;
}

export interface Loop {
  /**
   * Run a round now: cuts the pause short, or, during a round, runs another right after it (wakes
   * during one round coalesce into one more).
   */
  wake(): void;
  /** No round starts after this; resolves once the round in progress, if any, has finished. */
  stop(): Promise<void>;
}

/** Consecutive failures logged: the first, then every this many, so a dead peer does not flood. */
const LOG_EVERY_FAILURES = 20;

/**
 * A background loop: rounds never overlap, a failing round is logged and retried (with backoff
 * when maxBackoffMs is set), a full batch is followed at once by another round, and a pause can be
 * woken (after a commit that left work) or cut by stop.
 */
export function startLoop(options: LoopOptions): Loop {
  const { name, runOnce, intervalMs, log } = options;
  if (intervalMs <= 0) return { wake: () => undefined, stop: async () => undefined };
  const maxBackoffMs = Math.max(intervalMs, options.maxBackoffMs ?? intervalMs);
  let stopped = false;
  let again = false;
  let failures = 0;
  let cutPause: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        cutPause = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      cutPause = end;
    });

  /** One round; true when it handled a full batch. */
  const round = async (): Promise<boolean> => {
    try {
      const handled = await runOnce();
      if (failures > 0) log.info({ loop: name, afterFailures: failures }, `${name} recovered`);
      failures = 0;
      return (
        options.fullBatch !== undefined &&
        typeof handled === 'number' &&
        handled >= options.fullBatch
      );
    } catch (err) {
      failures += 1;
      if (failures === 1 || failures % LOG_EVERY_FAILURES === 0) {
        log.error({ loop: name, err, failures }, `${name} failed; retrying`);
      }
      return false;
    }
  };

  const done = (async () => {
    if (!options.immediate) await pause(intervalMs);
    while (!stopped) {
      again = false;
      const full = await round();
      if (stopped) break;
      if (full || again) continue;
      const backoff = intervalMs * 2 ** Math.min(failures, 30);
      await pause(failures > 0 ? Math.min(maxBackoffMs, backoff) : intervalMs);
    }
  })();

  return {
    wake() {
      if (stopped) return;
      if (cutPause) cutPause();
      else again = true;
    },
    async stop() {
      stopped = true;
      cutPause?.();
      await done;
    },
  };
}
