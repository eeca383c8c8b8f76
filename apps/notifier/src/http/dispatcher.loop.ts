import type { Logger } from '@tolem/observability';

import type { AttemptSummary, Dispatcher } from '../app/dispatch-due';

export interface DispatcherLoop {
  /** Claim now (new work was recorded). */
  wake(): void;
  /** Stops claiming and waits for the attempts in flight to be recorded. */
  stop(): Promise<void>;
  /** Attempts in flight right now. */
  inFlight(): number;
}

export interface DispatcherLoopOptions {
  dispatcher: Dispatcher;
  /** Attempts in flight at once in this process, over all endpoints. */
  concurrency: number;
  /** Most deliveries one claim takes. */
  claimBatch: number;
  /** How often to look for due work when nothing wakes the loop (retries coming due). */
  pollMs: number;
  /**
   * Least time between two claims (25 ms). Every finished attempt and every new delivery wakes the
   * loop; a claim looks at every endpoint, so under load one claim per wake-up costs far more than
   * one per interval that takes everything freed meanwhile, for at most this much added latency.
   */
  minClaimIntervalMs?: number;
  log: Logger;
  /** Told every recorded attempt (after its log line), e.g. to count it. */
  onAttempt?(summary: AttemptSummary): void;
}

function logAttempt(log: Logger, a: AttemptSummary): void {
  const fields = {
    deliveryId: a.deliveryId,
    endpointId: a.endpointId,
    paymentId: a.paymentId,
    attempt: a.attempt,
    statusCode: a.statusCode,
    durationMs: Math.round(a.durationMs),
  };
  if (a.effects.endpointDisabled) {
    log.warn({ ...fields, reason: a.effects.endpointDisabled }, 'webhook endpoint disabled');
  }
  if (a.decision.status === 'delivered') log.debug(fields, 'notification delivered');
  else if (a.decision.status === 'exhausted') {
    log.warn({ ...fields, error: a.decision.error }, 'notification exhausted: retry window closed');
  } else {
    log.info(
      { ...fields, error: a.decision.error, nextAttemptAt: a.decision.nextAttemptAt },
      'notification not acknowledged; will retry',
    );
  }
}

/**
 * A continuously refilled pool instead of rounds: up to `concurrency` attempts are in flight, and
 * whenever some finish the loop claims more, so a slow or dead merchant holds only its own slots
 * (its endpoint's max_in_flight) and never delays anyone else's deliveries. Finishing attempts
 * wake the loop; so does new work (LISTEN/NOTIFY) and, failing that, the poll.
 */
export function startDispatcherLoop(options: DispatcherLoopOptions): DispatcherLoop {
  const { dispatcher, concurrency, claimBatch, pollMs, log } = options;
  const minClaimIntervalMs = options.minClaimIntervalMs ?? 25;
  let lastClaim = -Infinity;
  let stopped = false;
  let inFlight = 0;
  let failures = 0;
  let woken = false;
  let wakeSleeper: (() => void) | undefined;
  const running = new Set<Promise<void>>();
  let lastExpiry = 0;

  const wake = () => {
    woken = true;
    wakeSleeper?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleeper = undefined;
        resolve();
      }
      wakeSleeper = done;
    });

  const launch = (target: Parameters<Dispatcher['attempt']>[0]) => {
    inFlight += 1;
    const run = dispatcher
      .attempt(target)
      .then(
        (summary) => {
          logAttempt(log, summary);
          options.onAttempt?.(summary);
        },
        // The lease runs out and the delivery is tried again; nothing is lost.
        (err: unknown) =>
          log.warn({ err, deliveryId: target.delivery.id }, 'recording an attempt failed'),
      )
      .finally(() => {
        inFlight -= 1;
        running.delete(run);
        wake();
      });
    running.add(run);
  };

  const loop = (async () => {
    while (!stopped) {
      const wait = lastClaim + minClaimIntervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopped) break;
      lastClaim = performance.now();
      woken = false;
      let claimedFull = false;
      const room = Math.min(claimBatch, concurrency - inFlight);
      if (room > 0) {
        try {
          const now = Date.now();
          if (now - lastExpiry >= 60_000) {
            lastExpiry = now;
            await dispatcher.expireWaiting();
          }
          const targets = await dispatcher.claim(room);
          for (const target of targets) launch(target);
          claimedFull = targets.length === room;
          failures = 0;
        } catch (err) {
          failures += 1;
          if (failures === 1 || failures % 20 === 0)
            log.warn({ err, failures }, 'claiming deliveries failed');
        }
      }
      if (stopped) break;
      if (failures > 0) {
        woken = false;
        await sleep(Math.min(5_000, pollMs * 2 ** Math.min(failures, 4)));
      } else if (!claimedFull || inFlight >= concurrency) {
        await sleep(pollMs);
      }
    }
  })();

  return {
    wake,
    inFlight: () => inFlight,
    async stop() {
      stopped = true;
      wake();
      await loop;
      await Promise.all(running);
    },
  };
}
