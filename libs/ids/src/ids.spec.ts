import { describe, expect, it, vi } from 'vitest';

import { isId, newId } from './index';

describe('newId', () => {
  it('makes prefixed ids that sort in creation order', () => {
    const ids = Array.from({ length: 50 }, () => newId('pay'));
    expect(ids.every((id) => isId('pay', id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(isId('mer', ids[0] as string)).toBe(false);
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
