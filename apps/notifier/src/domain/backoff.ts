export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

/**
 * Delay before the next attempt after `failedAttempts` failures (>= 1): exponential with jitter.
 * The ceiling doubles per failure from 2*min, capped at max; the delay is uniform in
 * [ceiling/2, ceiling] (jitter spreads retries of many merchants that failed together), and
 * always stays within [min, max].
 */
export function backoffDelayMs(
  failedAttempts: number,
  policy: BackoffPolicy,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failedAttempts, 1), 40);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  const delay = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, delay)));
}
