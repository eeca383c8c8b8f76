export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

/**
 * Delay before the next attempt after `failedAttempts` failures (>= 1): exponential with full
 * jitter (AWS's "full jitter": uniform up to the ceiling, which spreads the retries of many
 * deliveries that failed together best). The ceiling doubles per failure from 2*min, capped at
 * max; the delay is uniform in [min, ceiling] (never below min, so a dead merchant is not
 * hammered).
 */
export function backoffDelayMs(
  failedAttempts: number,
  policy: BackoffPolicy,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failedAttempts, 1), 40);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  const delay = policy.minMs + random() * (ceiling - policy.minMs);
  return Math.round(Math.min(policy.maxMs, Math.max(policy.minMs, delay)));
}

/**
 * A Retry-After header (delay-seconds or an HTTP date) as milliseconds from `now`; undefined when
 * absent or unreadable. A date in the past means now.
 */
export function parseRetryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, at - now.getTime());
}
