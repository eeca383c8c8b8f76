export type ShutdownStep = () => Promise<unknown> | unknown;
/** A step, or steps run at once (stopping intake and every loop and consumer together). */
export type ShutdownStage = ShutdownStep | readonly ShutdownStep[];

/** What shutdown logs through; pino satisfies it. */
export interface ShutdownLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
  flush?(): void;
}

/**
 * How long one stage may take: as long as the longest call a server lets finish (a card charge's
 * provider deadline is 30 s, see grpc-kit's drain), so a drain is not cut short by its own bound.
 */
export const SHUTDOWN_STAGE_TIMEOUT_MS = 30_000;
/**
 * The whole shutdown, after which the remaining stages are skipped and the process exits by itself:
 * under the pods' terminationGracePeriodSeconds (45) less their preStop sleep (5), with a margin, so
 * Kubernetes never has to SIGKILL a process still committing offsets or closing its pools.
 */
export const SHUTDOWN_BUDGET_MS = 38_000;

export interface ShutdownOptions {
  stageTimeoutMs?: number;
  budgetMs?: number;
}

/**
 * Runs the stages in order (stop intake and background work, then close clients and pools); the
 * steps of a stage run at once. Each stage is bounded by stageTimeoutMs and by what is left of
 * budgetMs, so one stuck step cannot outlast the orchestrator's grace period; a step that fails is
 * logged and the others still run.
 */
export async function runShutdown(
  log: ShutdownLog,
  stages: readonly ShutdownStage[],
  options: ShutdownOptions = {},
): Promise<void> {
  const stageTimeoutMs = options.stageTimeoutMs ?? SHUTDOWN_STAGE_TIMEOUT_MS;
  const deadline = Date.now() + (options.budgetMs ?? SHUTDOWN_BUDGET_MS);
  for (const [index, stage] of stages.entries()) {
    const left = deadline - Date.now();
    if (left <= 0) {
      log.error({ skipped: stages.length - index }, 'shutdown budget spent: skipping the rest');
      return;
    }
    const steps: readonly ShutdownStep[] = typeof stage === 'function' ? [stage] : stage;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(
          steps.map((step) =>
            Promise.resolve()
              .then(step)
              .catch((err: unknown) => log.error({ err }, 'shutdown step failed')),
          ),
        ),
        new Promise((resolve) => {
          timer = setTimeout(resolve, Math.min(stageTimeoutMs, left));
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** On SIGTERM or SIGINT (the first one only): runShutdown, then exit 0. */
export function onShutdown(
  log: ShutdownLog,
  stages: readonly ShutdownStage[],
  options: ShutdownOptions = {},
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void runShutdown(log, stages, options).then(() => {
      log.info({}, 'stopped');
      log.flush?.();
      setTimeout(() => process.exit(0), 50).unref();
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
