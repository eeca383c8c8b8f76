import { describe, expect, it } from 'vitest';

import { afterOf } from './case.mapper';

const tokenOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('afterOf (a case page token)', () => {
  it('reads a token this API issued', () => {
    expect(afterOf(tokenOf(['2026-12-01T10:00:00.000Z', 'case_1']))).toEqual({
      createdAt: new Date('2026-12-01T10:00:00.000Z'),
      id: 'case_1',
    });
    expect(afterOf('')).toBeNull();
  });

  it('refuses forged ones, also those a database would fail on, with CASE_INVALID_REQUEST', () => {
    for (const forged of [
      'garbage',
      tokenOf([-8640000000000000, 'x']),
      tokenOf(['+275760-09-13T00:00:00.000Z', 'x']),
      tokenOf(['2026-12-01T10:00:00.000Z', 'case_\u0000']),
      tokenOf(['2026-12-01T10:00:00.000Z', 7]),
    ]) {
      expect(() => afterOf(forged), forged).toThrow(
        expect.objectContaining({ code: 'CASE_INVALID_REQUEST', details: { field: 'page_token' } }),
      );
    }
  });
});
