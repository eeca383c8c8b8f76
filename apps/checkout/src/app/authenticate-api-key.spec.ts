import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';
import { hashApiKey } from '../domain/api-key';

describe('authenticateApiKey', () => {
  it('resolves a key to its merchant', async () => {
    const w = world();
    const { merchant, apiKey } = await w.merchant();
    const auth = await w.authenticate(apiKey);
    expect(auth.merchant).toEqual(merchant);
    expect(auth.livemode).toBe(false);
  });

  it.each(['sk_test_' + 'A'.repeat(32), 'sk_test_short', '', 'Bearer sk_test_' + 'A'.repeat(32)])(
    'refuses an unknown or malformed key %j as AUTH_INVALID_API_KEY',
    async (key) => {
      const w = world();
      await w.merchant();
      await expect(w.authenticate(key)).rejects.toMatchObject({
        code: 'AUTH_INVALID_API_KEY',
        kind: 'unauthenticated',
      });
    },
  );

  it('refuses a revoked key as unauthenticated', async () => {
    const w = world();
    const { apiKey } = await w.merchant();
    w.merchants.revoke(hashApiKey(apiKey));
    await expect(w.authenticate(apiKey)).rejects.toMatchObject({
      code: 'AUTH_API_KEY_REVOKED',
      kind: 'unauthenticated',
    });
  });
});
