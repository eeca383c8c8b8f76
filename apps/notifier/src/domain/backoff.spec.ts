import { describe, expect, it } from 'vitest';

import { backoffDelayMs } from './backoff';

const policy = { minMs: 5_000, maxMs: 3_600_000 };

describe('backoffDelayMs', () => {
  it('stays within [min, max] for every attempt and any jitter', () => {
    for (let attempt = 1; attempt <= 200; attempt += 1) {
      for (const r of [0, 0.25, 0.5, 0.999999, 1]) {
        const d = backoffDelayMs(attempt, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(policy.minMs);
        expect(d).toBeLessThanOrEqual(policy.maxMs);
      }
    }
  });

  it('grows exponentially from the minimum: [ceiling/2, ceiling] with ceiling = min * 2^attempt', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(5_000);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(10_000);
    expect(backoffDelayMs(2, policy, () => 0)).toBe(10_000);
    expect(backoffDelayMs(2, policy, () => 1)).toBe(20_000);
    expect(backoffDelayMs(5, policy, () => 0.5)).toBe(120_000);
  });

  it('caps at the maximum and keeps jitter below it', () => {
    expect(backoffDelayMs(30, policy, () => 1)).toBe(3_600_000);
    expect(backoffDelayMs(30, policy, () => 0)).toBe(1_800_000);
    expect(backoffDelayMs(10_000, policy, () => 0.5)).toBe(2_700_000);
  });

  it('jitters: different random draws give different delays', () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.9].map((r) => backoffDelayMs(4, policy, () => r)));
    expect(delays.size).toBe(4);
  });

  it('gives about three days of retries well over the 3-day window at the default caps', () => {
    let total = 0;
    let attempts = 0;
    while (total < 72 * 3_600_000) {
      attempts += 1;
      total += backoffDelayMs(attempts, policy, () => 1);
    }
    // Hourly retries once capped: roughly 70+ attempts in three days, not thousands.
    expect(attempts).toBeGreaterThan(60);
    expect(attempts).toBeLessThan(100);
  });
});
