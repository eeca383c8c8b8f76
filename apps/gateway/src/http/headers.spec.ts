import { describe, expect, it } from 'vitest';

import { bearerTokenFrom, idempotencyKeyFrom, requestIdFrom, tokensEqual } from './headers';

describe('requestIdFrom', () => {
  it('echoes a sane incoming id', () => {
    expect(requestIdFrom('abc-123_x.y:z')).toBe('abc-123_x.y:z');
  });

  it('generates a req_ id when the header is absent, repeated, too long or odd', () => {
    for (const header of [
      undefined,
      ['a', 'b'],
      'x'.repeat(129),
      'has space',
      '<script>',
      '',
      '-leading',
    ]) {
      expect(requestIdFrom(header)).toMatch(/^req_[0-9a-z]{26}$/);
    }
  });
});

describe('idempotencyKeyFrom', () => {
  it('requires 1..255 characters', () => {
    expect(idempotencyKeyFrom('k-1')).toBe('k-1');
    expect(idempotencyKeyFrom('x'.repeat(255))).toHaveLength(255);
    expect(() => idempotencyKeyFrom(undefined)).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REQUIRED', kind: 'invalid' }),
    );
    expect(() => idempotencyKeyFrom('  ')).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REQUIRED' }),
    );
    expect(() => idempotencyKeyFrom('x'.repeat(256))).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_INVALID' }),
    );
  });
});

describe('bearerTokenFrom', () => {
  it('reads the token of a Bearer credential (scheme case-insensitive)', () => {
    expect(bearerTokenFrom('Bearer sk_test_1')).toBe('sk_test_1');
    expect(bearerTokenFrom('bearer sk_test_1')).toBe('sk_test_1');
  });

  it('refuses anything else as UNAUTHENTICATED', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwdw==',
      'sk_test_1',
      'Bearer a b',
    ]) {
      expect(() => bearerTokenFrom(header)).toThrow(
        expect.objectContaining({ code: 'UNAUTHENTICATED', kind: 'unauthenticated' }),
      );
    }
  });
});

describe('tokensEqual', () => {
  it('compares whole tokens of any length', () => {
    expect(tokensEqual('admin-token-0123456789', 'admin-token-0123456789')).toBe(true);
    expect(tokensEqual('admin-token-0123456788', 'admin-token-0123456789')).toBe(false);
    expect(tokensEqual('admin', 'admin-token-0123456789')).toBe(false);
    expect(tokensEqual('', 'admin-token-0123456789')).toBe(false);
  });
});
