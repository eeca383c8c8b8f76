import { describe, expect, it } from 'vitest';

import { nulCharacterError, nulField } from './nul-character';

describe('nulField', () => {
  it('names the first string or key holding NUL, through objects and arrays', () => {
    expect(nulField({ a: 'x', b: { c: ['ok', 'n\u0000'] } })).toBe('b.c[1]');
    expect(nulField({ metadata: { 'k\u0000': 'v' } })).toBe('metadata.k\u0000');
    expect(nulField('\u0000')).toBe('');
    expect(nulField({ merchantId: 'm\u0000' }, '', (k) => k.toUpperCase())).toBe('MERCHANTID');
  });

  it('finds nothing in clean values, numbers, dates and bytes', () => {
    expect(nulField({ a: 'x', n: 1, big: 2n, at: new Date(0), list: [] })).toBeUndefined();
    expect(nulField({ body: Buffer.from([0, 1]), raw: new Uint8Array([0]) })).toBeUndefined();
    expect(nulField(null)).toBeUndefined();
  });

  it('becomes VALIDATION_FAILED naming the field', () => {
    expect(nulCharacterError('items[0].name')).toMatchObject({
      code: 'VALIDATION_FAILED',
      kind: 'invalid',
      details: { field: 'items[0].name' },
    });
    expect(nulCharacterError('').details).toEqual({});
  });
});
