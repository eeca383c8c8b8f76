import { describe, expect, it } from 'vitest';

import { isId, newId } from './index';

describe('newId', () => {
  it('makes prefixed ids that sort in creation order', () => {
    const ids = Array.from({ length: 50 }, () => newId('pay'));
    expect(ids.every((id) => isId('pay', id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(isId('mer', ids[0] as string)).toBe(false);
  });
});
