/** What one closed-loop run measured. */
export interface LoadResult {
  concurrency: number;
  elapsedMs: number;
  /** Transfers the ledger created (not replays, not refusals). */
  transfers: number;
  calls: number;
  /** Items refused or calls failed: a correct run has none. */
  errors: number;
  firstError: string | undefined;
  /** Latency of each call, in milliseconds. */
  latenciesMs: Float64Array;
}

export interface CallOutcome {
  transfers: number;
  errors: number;
  firstError?: string;
}

/**
 * A closed loop: `concurrency` clients each send one call, wait for its answer, and send the
 * next, until the duration is up (calls in flight then finish and count). Throughput is
 * transfers created divided by the time until the last answer.
 */
export async function runClosedLoop(options: {
  concurrency: number;
  durationMs: number;
  call: (client: number, seq: number) => Promise<CallOutcome>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let transfers = 0;
  let errors = 0;
  let firstError: string | undefined;
  let calls = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, client) => {
      for (let seq = 0; performance.now() < deadline; seq += 1) {
        const t0 = performance.now();
        let outcome: CallOutcome;
        try {
          outcome = await options.call(client, seq);
        } catch (err) {
          outcome = { transfers: 0, errors: 1, firstError: (err as Error).message };
        }
        latencies.push(performance.now() - t0);
        calls += 1;
        transfers += outcome.transfers;
        errors += outcome.errors;
        firstError ??= outcome.firstError;
      }
    }),
  );
  return {
    concurrency: options.concurrency,
    elapsedMs: performance.now() - started,
    transfers,
    calls,
    errors,
    firstError,
    latenciesMs: Float64Array.from(latencies),
  };
}

/** Nearest-rank percentile (p in 0..100) of a set of latencies. */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}
