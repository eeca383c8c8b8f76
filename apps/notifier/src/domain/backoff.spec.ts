import { describe, expect, it } from 'vitest';

import { backoffDelayMs, parseRetryAfterMs } from './backoff';

const policy = { minMs: 5_000, maxMs: 3_600_000 };

describe('backoffDelayMs (exponential, full jitter)', () => {
  it('stays within [min, max] for every attempt and any jitter', () => {
    for (let attempt = 1; attempt <= 200; attempt += 1) {
      for (const r of [0, 0.25, 0.5, 0.999999, 1]) {
        const d = backoffDelayMs(attempt, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(policy.minMs);
        expect(d).toBeLessThanOrEqual(policy.maxMs);
      }
    }
  });

  it('spreads over [min, ceiling] with the ceiling = min * 2^attempt', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(5_000);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(10_000);
    expect(backoffDelayMs(2, policy, () => 1)).toBe(20_000);
    expect(backoffDelayMs(5, policy, () => 1)).toBe(160_000);
    expect(backoffDelayMs(5, policy, () => 0.5)).toBe(82_500);
  });

  it('caps the ceiling at the maximum', () => {
    expect(backoffDelayMs(30, policy, () => 1)).toBe(3_600_000);
    expect(backoffDelayMs(10_000, policy, () => 0)).toBe(5_000);
  });

  it('jitters: different random draws give different delays', () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.9].map((r) => backoffDelayMs(4, policy, () => r)));
    expect(delays.size).toBe(4);
  });
});

describe('parseRetryAfterMs', () => {
  const now = new Date('2026-03-01T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, a past one as now', () => {
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
    expect(parseRetryAfterMs('1.5', now)).toBeUndefined();
  });
});
