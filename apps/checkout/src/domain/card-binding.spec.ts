import { describe, expect, it } from 'vitest';

import { bindingDifference, retryDelayMs } from './card-binding';

describe('card binding retries', () => {
  it('backs off exponentially from 1 s and caps at 10 minutes', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(10)).toBe(512_000);
    expect(retryDelayMs(11)).toBe(600_000);
    expect(retryDelayMs(1_000)).toBe(600_000);
    expect(retryDelayMs(0)).toBe(1_000);
  });

  it('names the first field in which a later report differs', () => {
    const stored = { bindingRef: 'inv-1', state: 'activated' as const, cardLast4: '4242' };
    expect(bindingDifference(stored, { ...stored })).toBeUndefined();
    expect(bindingDifference(stored, { ...stored, bindingRef: 'inv-2' })).toBe('binding_ref');
    expect(bindingDifference(stored, { ...stored, state: 'error' })).toBe('state');
    expect(bindingDifference(stored, { ...stored, cardLast4: '' })).toBe('card_last4');
  });
});
