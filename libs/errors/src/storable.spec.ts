import { describe, expect, it } from 'vitest';

import { unstorableValue, unstorableValueError } from './storable';

describe('unstorableValue', () => {
  it('names the first string or key holding NUL, through objects and arrays', () => {
    expect(unstorableValue({ a: 'x', b: { c: ['ok', 'n\u0000'] } })).toEqual({
      field: 'b.c[1]',
      problem: 'must not contain a NUL character',
    });
    expect(unstorableValue({ metadata: { 'k\u0000': 'v' } })?.field).toBe('metadata.k\u0000');
    expect(unstorableValue('\u0000')?.field).toBe('');
    expect(unstorableValue({ merchantId: 'm\u0000' }, '', (k) => k.toUpperCase())?.field).toBe(
      'MERCHANTID',
    );
  });

  it('finds unpaired surrogates in strings and keys, not paired ones', () => {
    expect(unstorableValue({ name: 'a\uD800b' })).toEqual({
      field: 'name',
      problem: 'must not contain an unpaired UTF-16 surrogate',
    });
    expect(unstorableValue({ name: '\uDC00' })?.field).toBe('name');
    expect(unstorableValue({ metadata: { 'a\uD800': 'x' } })?.field).toBe('metadata.a\uD800');
    expect(unstorableValue({ name: 'emoji 😀 and 𝄞' })).toBeUndefined();
  });

  it('finds invalid times and times outside years 1 to 9999', () => {
    expect(unstorableValue({ expiresAt: new Date(Number.NaN) })).toEqual({
      field: 'expiresAt',
      problem: 'must be a valid time in years 1 to 9999',
    });
    expect(unstorableValue({ from: new Date(-8.64e15) })?.field).toBe('from');
    expect(unstorableValue({ to: new Date('+010000-01-01T00:00:00Z') })?.field).toBe('to');
    expect(unstorableValue({ at: new Date('0001-01-01T00:00:00Z') })).toBeUndefined();
    expect(unstorableValue({ at: new Date('9999-12-31T23:59:59.999Z') })).toBeUndefined();
  });

  it('finds nothing in clean values, numbers and bytes', () => {
    expect(unstorableValue({ a: 'x', n: 1, big: 2n, at: new Date(0), list: [] })).toBeUndefined();
    expect(
      unstorableValue({ body: Buffer.from([0, 1]), raw: new Uint8Array([0]) }),
    ).toBeUndefined();
    expect(unstorableValue(null)).toBeUndefined();
  });

  it('becomes VALIDATION_FAILED naming the field', () => {
    expect(
      unstorableValueError({ field: 'items[0].name', problem: 'must not contain a NUL character' }),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      kind: 'invalid',
      message: 'items[0].name must not contain a NUL character',
      details: { field: 'items[0].name' },
    });
    expect(unstorableValueError({ field: '', problem: 'x' }).details).toEqual({});
  });
});
