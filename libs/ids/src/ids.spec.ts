import { describe, expect, it, vi } from 'vitest';

import { isId, newId } from './index';

/** The 80-bit random part of an id as a number, to measure how far apart two ids are. */
function randomPart(id: string): bigint {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return [...id.slice(-16)].reduce((n, c) => n * 32n + BigInt(alphabet.indexOf(c)), 0n);
}

describe('newId', () => {
  it('makes prefixed ids that sort by the millisecond they were made in', () => {
    let now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 1));
    try {
      const ids = Array.from({ length: 50 }, () => newId('pay'));
      expect(ids.every((id) => isId('pay', id))).toBe(true);
      expect([...ids].sort()).toEqual(ids);
      expect(isId('mer', ids[0] as string)).toBe(false);
    } finally {
      clock.mockRestore();
    }
  });

  it('makes ids of one millisecond that are not adjacent, so one id does not reveal the next', () => {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(1_780_000_000_000);
    try {
      const ids = Array.from({ length: 200 }, () => newId('pay'));
      expect(new Set(ids.map((id) => id.slice(0, 14))).size).toBe(1);
      for (let i = 1; i < ids.length; i++) {
        const gap = randomPart(ids[i] as string) - randomPart(ids[i - 1] as string);
        // A monotonic factory answers exactly +1; 80 random bits land this close 1 in 2^60 times.
        expect(gap < 0n ? -gap : gap).toBeGreaterThan(1n << 20n);
      }
      // Creation order is not the sort order either, so sorting reveals nothing.
      expect([...ids].sort()).not.toEqual(ids);
    } finally {
      clock.mockRestore();
    }
  });

  it('stays unique and valid when every id starts a new millisecond (the random pool refills)', () => {
    let now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 1));
    try {
      const ids = Array.from({ length: 2_000 }, () => newId('txn'));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => isId('txn', id))).toBe(true);
      expect([...ids].sort()).toEqual(ids);
      // 16 random characters each: the random parts are not one repeated value.
      expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(ids.length);
    } finally {
      clock.mockRestore();
    }
  });
});
