export type ShutdownStep = () => Promise<unknown> | unknown;

/** What shutdown logs through; pino satisfies it. */
export interface ShutdownLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
  flush?(): void;
}

/**
 * Runs the steps in order (stop intake, finish in-flight work, close pools), each bounded by
 * stepTimeoutMs so one stuck step cannot outlast the orchestrator's grace period; a step that
 * fails is logged and the next one still runs.
 */
export async function runShutdown(
  log: ShutdownLog,
  steps: ShutdownStep[],
  stepTimeoutMs = 10_000,
): Promise<void> {
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(step),
        new Promise((resolve) => {
          timer = setTimeout(resolve, stepTimeoutMs);
        }),
      ]);
    } catch (err) {
      log.error({ err }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}

/** On SIGTERM or SIGINT (the first one only): runShutdown, then exit 0. */
export function onShutdown(log: ShutdownLog, steps: ShutdownStep[], stepTimeoutMs = 10_000): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void runShutdown(log, steps, stepTimeoutMs).then(() => {
      log.info({}, 'stopped');
      log.flush?.();
      setTimeout(() => process.exit(0), 50).unref();
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
