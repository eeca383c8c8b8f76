import { describe, expect, it } from 'vitest';

import {
  apiKeyDisplayPrefix,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  modeOfApiKey,
  sameHash,
} from './api-key';

describe('api keys', () => {
  it('look like sk_test_ + 32 base62 characters and differ every time', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey()));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
  });

  it('are stored as a sha256 hex hash and shown by a 12-character prefix', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key.slice(8));
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, 12));
    expect(apiKeyDisplayPrefix(key)).toHaveLength(12);
  });

  it('validates shape and compares hashes', () => {
    expect(isWellFormedApiKey('sk_test_' + 'a'.repeat(32))).toBe(true);
    expect(isWellFormedApiKey('sk_test_' + 'a'.repeat(31))).toBe(false);
    expect(isWellFormedApiKey('sk_live_' + 'a'.repeat(32))).toBe(true);
    expect(isWellFormedApiKey('sk_prod_' + 'a'.repeat(32))).toBe(false);
    expect(modeOfApiKey('sk_live_' + 'a'.repeat(32))).toBe('live');
    expect(modeOfApiKey('sk_test_' + 'a'.repeat(32))).toBe('test');
    expect(generateApiKey('live')).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(sameHash(hashApiKey('x'), hashApiKey('x'))).toBe(true);
    expect(sameHash(hashApiKey('x'), hashApiKey('y'))).toBe(false);
    expect(sameHash('ab', 'abc')).toBe(false);
  });
});
