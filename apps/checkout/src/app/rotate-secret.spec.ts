import { describe, expect, it } from 'vitest';

import { merchantInput, world } from '../../test/fakes/world';
import { DEFAULT_OVERLAP_MS } from './rotate-secret';

describe('rotating merchant secrets', () => {
  it('gives a new merchant a form secret once and keeps it for verification', async () => {
    const w = world();
    const { merchant, formSecret } = await w.merchant();
    expect(formSecret).toMatch(/^fsk_[A-Za-z0-9_-]{43}$/);
    expect(await w.merchants.formSecrets(merchant.id)).toEqual({ current: formSecret });
    expect((await w.merchant()).formSecret).toBe('');
  });

  it('makes a new form secret primary and keeps the old one until the overlap ends', async () => {
    const w = world();
    const { merchant, formSecret } = await w.merchant();
    const rotated = await w.rotateSecret({
      merchantId: merchant.id,
      kind: 'form',
      overlapSeconds: 0,
      idempotencyKey: 'rot-form',
    });
    expect(rotated.secret).toMatch(/^fsk_/);
    expect(rotated.secret).not.toBe(formSecret);
    expect(rotated.previousExpiresAt).toEqual(
      new Date(w.clock.now().getTime() + DEFAULT_OVERLAP_MS),
    );
    expect(await w.merchants.formSecrets(merchant.id)).toEqual({
      current: rotated.secret,
      previous: { secret: formSecret, expiresAt: rotated.previousExpiresAt },
    });
  });

  it('hands a rotated webhook secret and the replaced one to the notifier, and retries while it is down', async () => {
    const w = world();
    const { merchant, webhookSigningSecret } = await w.merchant();
    w.peers.down = true;
    const rotated = await w.rotateSecret({
      merchantId: merchant.id,
      kind: 'webhook',
      overlapSeconds: 3600,
      idempotencyKey: 'rot-webhook',
    });
    expect(rotated.merchant.pendingSteps).toEqual(['notifier_endpoint']);
    w.peers.down = false;
    w.clock.advance(1_000);
    await w.sweepOnboarding();
    expect(w.peers.endpoints.get(merchant.id)).toEqual({
      url: merchantInput.notificationUrl,
      secret: rotated.secret,
      previous: { secret: webhookSigningSecret, expiresAt: rotated.previousExpiresAt },
    });
  });

  it('answers a retried rotation with the secret it made, and refuses the key for anything else', async () => {
    const w = world();
    const { merchant, formSecret } = await w.merchant();
    const ask = { merchantId: merchant.id, kind: 'form' as const, overlapSeconds: 60 };
    const first = await w.rotateSecret({ ...ask, idempotencyKey: 'k1' });
    const retry = await w.rotateSecret({ ...ask, idempotencyKey: 'k1' });
    expect(first.replayed).toBe(false);
    expect(retry).toMatchObject({
      replayed: true,
      secret: first.secret,
      previousExpiresAt: first.previousExpiresAt,
    });
    // The secret the merchant's page signs with today is still the previous one: no second turn.
    expect(await w.merchants.formSecrets(merchant.id)).toEqual({
      current: first.secret,
      previous: { secret: formSecret, expiresAt: first.previousExpiresAt },
    });
    for (const other of [{ overlapSeconds: 120 }, { kind: 'webhook' as const }]) {
      await expect(
        w.rotateSecret({ ...ask, ...other, idempotencyKey: 'k1' }),
      ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    }
    await w.rotateSecret({ ...ask, idempotencyKey: 'k2' });
    await expect(w.rotateSecret({ ...ask, idempotencyKey: 'k1' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    await expect(w.rotateSecret({ ...ask, idempotencyKey: '' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
    });
  });

  it.each([
    [{ overlapSeconds: -1 }, 'overlap_seconds'],
    [{ overlapSeconds: 31 * 24 * 3600 }, 'overlap_seconds'],
  ])('refuses %o', async (change, field) => {
    const w = world();
    const { merchant } = await w.merchant();
    await expect(
      w.rotateSecret({ merchantId: merchant.id, kind: 'form', idempotencyKey: 'k', ...change }),
    ).rejects.toMatchObject({ code: 'MERCHANT_INVALID_REQUEST', details: { field } });
    await expect(
      w.rotateSecret({
        merchantId: 'mer_missing',
        kind: 'form',
        overlapSeconds: 0,
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ code: 'MERCHANT_NOT_FOUND' });
  });
});
