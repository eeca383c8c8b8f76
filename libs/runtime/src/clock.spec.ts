import { describe, expect, it } from 'vitest';

import { systemClock } from './clock';

describe('systemClock', () => {
  it('tells the current time, a new Date each call', () => {
    const before = Date.now();
    const a = systemClock.now();
    const b = systemClock.now();
    expect(a.getTime()).toBeGreaterThanOrEqual(before);
    expect(b.getTime()).toBeLessThanOrEqual(Date.now());
    expect(a).not.toBe(b);
  });
});
