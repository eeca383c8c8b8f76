/** Time, injectable so use cases are deterministic in tests (they take a Clock, never `new Date()`). */
export interface Clock {
  now(): Date;
}

/** The real time, which every service's main.ts hands its use cases. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });
