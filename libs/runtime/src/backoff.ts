/**
 * The pause after the n-th consecutive failure (n ≥ 1): `baseMs`, doubling per failure, never more
 * than `maxMs`. For retry loops that need no jitter (one sender per row, spread by their own
 * timing); the notifier's webhook retries add jitter on top of their own schedule.
 */
export function exponentialBackoffMs(
  policy: { baseMs: number; maxMs: number },
  failures: number,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}
