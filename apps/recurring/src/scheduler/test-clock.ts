import type { Clock } from '@tolem/runtime';

/**
 * A clock that only moves when told, forward only: the local stack and the end-to-end tests
 * (RECURRING_TEST_CLOCK=true) move it with AdvanceTestClock to see a month of charges in seconds.
 */
export interface TestClock extends Clock {
  /** Moves the clock forward by ms (> 0) and returns the new time. */
  advance(ms: number): Date;
}

export function createTestClock(start: Date = new Date()): TestClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError('advance must be > 0 ms');
      now += ms;
      return new Date(now);
    },
  };
}
