import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';
import { DEFAULT_ROLL_EXPIRY_MS, hashApiKey } from '../domain/api-key';

/** Every key of the merchant, newest first (one page of up to 100). */
async function keysOf(w: ReturnType<typeof world>, merchantId: string) {
  return (await w.apiKeys.list({ merchantId, limit: 0, startingAfter: '' })).keys;
}

describe('API keys', () => {
  it('creates several keys per merchant, each shown once and stored only as its sha256', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const live = await w.apiKeys.create({
      merchantId: merchant.id,
      mode: 'live',
      name: 'shop',
      idempotencyKey: 'ik-1',
    });
    expect(live.secret).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(live.record).toMatchObject({
      mode: 'live',
      name: 'shop',
      keyPrefix: live.secret.slice(0, 12),
    });
    expect(w.merchants.keys.get(hashApiKey(live.secret))?.id).toBe(live.record.id);
    const listed = await keysOf(w, merchant.id);
    expect(listed).toHaveLength(2);
    // Nothing listed can be turned back into a key.
    expect(JSON.stringify(listed)).not.toContain(live.secret);
  });

  it('marks what a test key authenticates as livemode false and a live key as livemode true', async () => {
    const w = world();
    const { merchant, apiKey } = await w.merchant();
    expect(await w.authenticate(apiKey)).toMatchObject({ livemode: false });
    const live = await w.apiKeys.create({
      merchantId: merchant.id,
      mode: 'live',
      name: '',
      idempotencyKey: 'ik-2',
    });
    expect(await w.authenticate(live.secret)).toMatchObject({
      livemode: true,
      apiKeyId: live.record.id,
      merchant: { id: merchant.id },
    });
  });

  it('stops a revoked key at once; revoking again answers the same key', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const key = await w.apiKeys.create({
      merchantId: merchant.id,
      mode: 'test',
      name: '',
      idempotencyKey: 'ik-3',
    });
    const revoked = await w.apiKeys.revoke({ merchantId: merchant.id, keyId: key.record.id });
    expect(revoked.revokedAt).toEqual(w.clock.now());
    await expect(w.authenticate(key.secret)).rejects.toMatchObject({
      code: 'AUTH_API_KEY_REVOKED',
      kind: 'unauthenticated',
    });
    w.clock.advance(1000);
    const again = await w.apiKeys.revoke({ merchantId: merchant.id, keyId: key.record.id });
    expect(again.revokedAt).toEqual(revoked.revokedAt);
  });

  it('rolls a key: the new one works at once, the old one until its expiry (24 h by default)', async () => {
    const w = world();
    const { merchant, apiKey } = await w.merchant();
    const [first] = await keysOf(w, merchant.id);
    const rolled = await w.apiKeys.roll({
      merchantId: merchant.id,
      keyId: first!.id,
      expiresInSeconds: 0,
    });
    expect(rolled.secret).toMatch(/^sk_test_/);
    expect(rolled.old).toMatchObject({
      rolledTo: rolled.record.id,
      expiresAt: new Date(w.clock.now().getTime() + DEFAULT_ROLL_EXPIRY_MS),
    });
    expect(await w.authenticate(apiKey)).toMatchObject({ merchant: { id: merchant.id } });
    expect(await w.authenticate(rolled.secret)).toMatchObject({ merchant: { id: merchant.id } });

    w.clock.advance(DEFAULT_ROLL_EXPIRY_MS);
    await expect(w.authenticate(apiKey)).rejects.toMatchObject({ code: 'AUTH_API_KEY_EXPIRED' });
    expect(await w.authenticate(rolled.secret)).toMatchObject({ merchant: { id: merchant.id } });
    // A rolled key is not rolled again: the new one is.
    await expect(
      w.apiKeys.roll({ merchantId: merchant.id, keyId: first!.id, expiresInSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'API_KEY_NOT_ACTIVE' });
  });

  it('keeps the mode on a roll and honours the operator’s expiry; over 30 days is refused', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const live = await w.apiKeys.create({
      merchantId: merchant.id,
      mode: 'live',
      name: 'pos',
      idempotencyKey: 'ik-4',
    });
    const rolled = await w.apiKeys.roll({
      merchantId: merchant.id,
      keyId: live.record.id,
      expiresInSeconds: 3600,
    });
    expect(rolled.record).toMatchObject({ mode: 'live', name: 'pos' });
    expect(rolled.old.expiresAt).toEqual(new Date(w.clock.now().getTime() + 3_600_000));
    await expect(
      w.apiKeys.roll({
        merchantId: merchant.id,
        keyId: rolled.record.id,
        expiresInSeconds: 31 * 24 * 3600,
      }),
    ).rejects.toMatchObject({
      code: 'API_KEY_INVALID_REQUEST',
      details: { field: 'expires_in_seconds' },
    });
  });

  it('never lets one merchant see, revoke or roll another merchant’s keys', async () => {
    const w = world();
    const a = await w.merchant({ idempotencyKey: 'a' });
    const b = await w.merchant({ idempotencyKey: 'b' });
    const [bKey] = await keysOf(w, b.merchant.id);
    expect((await keysOf(w, a.merchant.id)).map((k) => k.id)).not.toContain(bKey!.id);
    await expect(
      w.apiKeys.revoke({ merchantId: a.merchant.id, keyId: bKey!.id }),
    ).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND', kind: 'not_found' });
    await expect(
      w.apiKeys.roll({ merchantId: a.merchant.id, keyId: bKey!.id, expiresInSeconds: 0 }),
    ).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    expect(await w.authenticate(b.apiKey)).toMatchObject({ merchant: { id: b.merchant.id } });
  });

  it('answers a retried create with the key it made (no secret, no second key)', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const ask = {
      merchantId: merchant.id,
      mode: 'live' as const,
      name: 'erp',
      idempotencyKey: 'k1',
    };
    const first = await w.apiKeys.create(ask);
    const retry = await w.apiKeys.create(ask);
    expect(first).toMatchObject({ replayed: false, secret: expect.stringMatching(/^sk_live_/) });
    expect(retry).toEqual({ record: first.record, secret: '', replayed: true });
    expect((await keysOf(w, merchant.id)).filter((k) => k.name === 'erp')).toHaveLength(1);
    await expect(w.apiKeys.create({ ...ask, mode: 'test' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'mode' },
    });
    await expect(w.apiKeys.create({ ...ask, idempotencyKey: '' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
    });
  });

  it('refuses keys for an unknown merchant and over-long names', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    await expect(
      w.apiKeys.create({ merchantId: 'mer_nope', mode: 'test', name: '', idempotencyKey: 'ik-5' }),
    ).rejects.toMatchObject({ code: 'MERCHANT_NOT_FOUND' });
    await expect(
      w.apiKeys.create({
        merchantId: merchant.id,
        mode: 'test',
        name: 'x'.repeat(101),
        idempotencyKey: 'ik-6',
      }),
    ).rejects.toMatchObject({ code: 'API_KEY_INVALID_REQUEST', details: { field: 'name' } });
  });
});
