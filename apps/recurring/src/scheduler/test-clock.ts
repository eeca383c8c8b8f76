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

/**
 * The service's test clock: real time plus everything AdvanceTestClock added, so leases, pending
 * re-checks and the facts relay's backoff still expire by themselves between advances.
 */
export function createOffsetClock(base: Clock = { now: () => new Date() }): TestClock {
  let offset = 0;
  return {
    now: () => new Date(base.now().getTime() + offset),
    advance(ms) {
      if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError('advance must be > 0 ms');
      offset += ms;
      return new Date(base.now().getTime() + offset);
    },
  };
}
