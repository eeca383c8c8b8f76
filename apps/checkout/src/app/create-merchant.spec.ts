import { describe, expect, it } from 'vitest';

import { merchantInput, world } from '../../test/fakes/world';
import { hashApiKey } from '../domain/api-key';

describe('createMerchant', () => {
  it('creates a merchant and returns its API key once; only the hash is kept', async () => {
    const w = world();
    const { merchant, apiKey, replayed } = await w.merchant();
    expect(replayed).toBe(false);
    expect(merchant.id).toMatch(/^mer_/);
    expect(merchant).toMatchObject({
      name: merchantInput.name,
      enabledMethods: merchantInput.enabledMethods,
    });
    // Fees are the ledger's (its fee plans): a checkout merchant has no fee rules.
    expect(merchant).not.toHaveProperty('feeRules');
    expect(apiKey).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect([...w.merchants.keys.keys()]).toEqual([hashApiKey(apiKey)]);
  });

  it('replays the same request under the same key without a second merchant or key', async () => {
    const w = world();
    const first = await w.merchant();
    const again = await w.merchant();
    expect(again).toMatchObject({ replayed: true, apiKey: '' });
    expect(again.merchant).toEqual(first.merchant);
    expect(w.merchants.keys.size).toBe(1);
  });

  it.each([
    [{ name: 'Other' }, 'name'],
    [{ enabledMethods: ['card' as const] }, 'enabled_methods'],
    [{ webmoneyShopId: 'shop-43' }, 'webmoney_shop_id'],
  ])('refuses a reused key with a different request (%o) naming %s', async (change, field) => {
    const w = world();
    await w.merchant();
    await expect(w.merchant(change)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field },
    });
    expect(w.merchants.keys.size).toBe(1);
  });

  it('creates a new merchant each time when no key is given', async () => {
    const w = world();
    const a = await w.merchant({ idempotencyKey: '' });
    const b = await w.merchant({ idempotencyKey: '' });
    expect(a.merchant.id).not.toBe(b.merchant.id);
    expect(w.merchants.keys.size).toBe(2);
  });

  it('writes nothing for an invalid request', async () => {
    const w = world();
    await expect(w.merchant({ enabledMethods: [] })).rejects.toMatchObject({
      code: 'MERCHANT_INVALID_REQUEST',
    });
    expect(w.merchants.keys.size).toBe(0);
  });
});
