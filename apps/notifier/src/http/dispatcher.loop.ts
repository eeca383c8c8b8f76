import type { Logger } from '@tolem/observability';

import type { AttemptSummary, Dispatcher } from '../app/dispatch-due';

export interface DispatcherLoop {
  /**
   * Claim now: new work was recorded for these endpoints (their ids), or anywhere (no ids). Named
   * endpoints are looked at alone; the sweep over every endpoint runs every `pollMs`.
   */
  wake(endpointIds?: readonly string[]): void;
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
  /**
   * How often to sweep every endpoint for due work (retries coming due, expired leases, requeued
   * deliveries), whatever else wakes the loop.
   */
  pollMs: number;
  /**
   * Least time between two claims (25 ms). Every finished attempt and every new delivery wakes the
   * loop; under load one claim per interval takes everything freed meanwhile for far less than
   * one per wake-up, for at most this much added latency.
   */
  minClaimIntervalMs?: number;
  /** Least time between two claims for named endpoints only (5 ms; never more than the above). */
  minNamedClaimIntervalMs?: number;
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
 * (its endpoint's max_in_flight) and never delays anyone else's deliveries. A finishing attempt
 * wakes the loop for its endpoint (a slot freed, the payment's next delivery unblocked); new work
 * (LISTEN/NOTIFY) for the endpoints it names. Those claims look at the named endpoints only: a
 * claim over every endpoint costs in proportion to all of them (1,000 endpoints: most of
 * PostgreSQL's time in bench:notifier), so it runs as a sweep every `pollMs`, and at once when
 * new work names no endpoint, a claim failed, or the last sweep came back full.
 */
export function startDispatcherLoop(options: DispatcherLoopOptions): DispatcherLoop {
  const { dispatcher, concurrency, claimBatch, pollMs, log } = options;
  const minClaimIntervalMs = options.minClaimIntervalMs ?? 25;
  const minNamedClaimIntervalMs = Math.min(
    minClaimIntervalMs,
    options.minNamedClaimIntervalMs ?? 5,
  );
  let lastClaim = -Infinity;
  let lastSweep = -Infinity;
  let stopped = false;
  let inFlight = 0;
  let failures = 0;
  let woken = false;
  let wakeSleeper: (() => void) | undefined;
  const running = new Set<Promise<void>>();
  let lastExpiry = 0;
  /** Endpoints named since the last claim that looked at them. */
  const named = new Set<string>();
  /** A sweep over every endpoint is wanted before the next pollMs is up. */
  let sweepNow = true;

  const sweepDue = () => sweepNow || performance.now() - lastSweep >= pollMs;

  const wake = (endpointIds?: readonly string[]) => {
    if (endpointIds) for (const id of endpointIds) named.add(id);
    else sweepNow = true;
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
        wake([target.endpoint.id]);
      });
    running.add(run);
  };

  const loop = (async () => {
    while (!stopped) {
      // A sweep looks at every endpoint: at most one per minClaimIntervalMs. A claim for named
      // endpoints costs little, so it waits less: a new delivery is not held back by the claim
      // that a finished attempt elsewhere has just made.
      const interval = sweepDue() ? minClaimIntervalMs : minNamedClaimIntervalMs;
      const wait = lastClaim + interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopped) break;
      lastClaim = performance.now();
      woken = false;
      let claimedFull = false;
      const room = Math.min(claimBatch, concurrency - inFlight);
      // Again after the wait: a wake-up meanwhile may have asked for one.
      const sweep = sweepDue();
      if (room > 0 && (sweep || named.size > 0)) {
        // A sweep covers the named endpoints too.
        const endpointIds = sweep ? undefined : [...named];
        named.clear();
        try {
          const now = Date.now();
          if (now - lastExpiry >= 60_000) {
            lastExpiry = now;
            await dispatcher.expireWaiting();
          }
          if (sweep) {
            sweepNow = false;
            lastSweep = lastClaim;
          }
          const targets = await dispatcher.claim(room, endpointIds);
          for (const target of targets) launch(target);
          claimedFull = targets.length === room;
          // A full claim may have left work behind: look there again.
          if (claimedFull) wake(endpointIds);
          failures = 0;
        } catch (err) {
          // What this claim was to look at is looked at by the next sweep.
          sweepNow = true;
          failures += 1;
          if (failures === 1 || failures % 20 === 0)
            log.warn({ err, failures }, 'claiming deliveries failed');
        }
      }
      if (stopped) break;
      if (failures > 0) {
        woken = false;
        await sleep(Math.min(5_000, pollMs * 2 ** Math.min(failures, 4)));
      } else if (inFlight >= concurrency) {
        // No room: a finishing attempt wakes the loop.
        await sleep(pollMs);
      } else if (!claimedFull) {
        await sleep(Math.max(0, lastSweep + pollMs - performance.now()));
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
