import { describe, expect, it } from 'vitest';

import { exponentialBackoffMs } from './backoff';

describe('exponentialBackoffMs', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('starts at the base after the first failure and doubles per failure', () => {
    expect([1, 2, 3, 4].map((n) => exponentialBackoffMs(policy, n))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it('never exceeds the cap, however many failures (no overflow to Infinity)', () => {
    expect(exponentialBackoffMs(policy, 7)).toBe(60_000);
    expect(exponentialBackoffMs(policy, 10_000)).toBe(60_000);
  });

  it('treats zero or fewer failures as the first', () => {
    expect(exponentialBackoffMs(policy, 0)).toBe(1_000);
  });
});
