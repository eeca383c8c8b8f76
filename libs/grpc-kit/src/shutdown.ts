import type { Logger } from '@tolem/observability';

export type ShutdownStep = () => Promise<unknown> | unknown;

/**
 * Runs the steps in order on SIGTERM or SIGINT (stop intake, flush, close pools), each bounded so
 * one stuck step cannot outlast the orchestrator's grace period, then exits.
 */
export function onShutdown(log: Logger, steps: ShutdownStep[], stepTimeoutMs = 10_000): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void (async () => {
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
      log.info('stopped');
      log.flush?.();
      setTimeout(() => process.exit(0), 50).unref();
    })();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
