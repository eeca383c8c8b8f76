import { describe, expect, it } from 'vitest';

import { merchantInput, world } from '../../test/fakes/world';
import { onboardingBackoffMs } from './onboarding';

describe('merchant onboarding', () => {
  it('hands the fee plan, the settings and the endpoint to their peers when a merchant is created', async () => {
    const w = world();
    const { merchant, webhookSigningSecret } = await w.merchant({ allowNegativeBalance: true });
    expect(merchant.pendingSteps).toEqual([]);
    expect(w.peers.feePlans.get(merchant.id)).toEqual(merchantInput.feeRules);
    expect(w.peers.settings.get(merchant.id)).toBe(true);
    expect(webhookSigningSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(w.peers.endpoints.get(merchant.id)).toEqual({
      url: merchantInput.notificationUrl,
      secret: webhookSigningSecret,
    });
  });

  it('creates the merchant while a peer is down and the sweeper finishes onboarding once it is back', async () => {
    const w = world();
    w.peers.down = true;
    const { merchant, apiKey } = await w.merchant();
    // The merchant exists and can be used; its peers' steps wait.
    expect(apiKey).toMatch(/^sk_test_/);
    expect(merchant.pendingSteps).toEqual([
      'ledger_fee_plan',
      'ledger_settings',
      'notifier_endpoint',
    ]);
    expect(await w.sweepOnboarding()).toEqual({ delivered: 0, failed: 0 }); // backing off
    w.clock.advance(onboardingBackoffMs(0));
    expect(await w.sweepOnboarding()).toEqual({ delivered: 0, failed: 3 });
    const steps = [...w.merchants.steps.values()];
    expect(steps.every((s) => s.attempts === 2 && s.lastError.includes('down'))).toBe(true);

    w.peers.down = false;
    w.clock.advance(onboardingBackoffMs(2));
    expect(await w.sweepOnboarding()).toEqual({ delivered: 3, failed: 0 });
    expect((await w.getMerchant(merchant.id)).pendingSteps).toEqual([]);
    expect(w.peers.feePlans.get(merchant.id)).toEqual(merchantInput.feeRules);
    expect(w.peers.endpoints.get(merchant.id)?.url).toBe(merchantInput.notificationUrl);
  });

  it('queues only the peers an update touches, and a newer change wins over an older one in flight', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const callsBefore = w.peers.calls;
    const renamed = await w.updateMerchant({ merchantId: merchant.id, name: 'Renamed' });
    expect(renamed.name).toBe('Renamed');
    expect(w.peers.calls).toBe(callsBefore);

    // An old version's delivery finishing after a newer change must not mark the newer one done.
    w.peers.down = true;
    await w.updateMerchant({ merchantId: merchant.id, allowNegativeBalance: true });
    const [due] = await w.merchants.dueOnboardingSteps(
      new Date(w.clock.now().getTime() + 60_000),
      10,
    );
    await w.updateMerchant({ merchantId: merchant.id, allowNegativeBalance: false });
    await w.merchants.markStepDelivered(
      merchant.id,
      'ledger_settings',
      due!.version,
      w.clock.now(),
    );
    expect((await w.getMerchant(merchant.id)).pendingSteps).toEqual(['ledger_settings']);

    w.peers.down = false;
    w.clock.advance(60_000);
    await w.sweepOnboarding();
    expect(w.peers.settings.get(merchant.id)).toBe(false);
    expect((await w.getMerchant(merchant.id)).pendingSteps).toEqual([]);
  });

  it('refuses an update of an unknown merchant or with an invalid field, writing nothing', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    await expect(w.updateMerchant({ merchantId: 'mer_missing', name: 'x' })).rejects.toMatchObject({
      code: 'MERCHANT_NOT_FOUND',
    });
    await expect(
      w.updateMerchant({ merchantId: merchant.id, name: 'ok', vatRate: 'vat99' }),
    ).rejects.toMatchObject({ code: 'MERCHANT_INVALID_REQUEST', details: { field: 'vat_rate' } });
    expect((await w.getMerchant(merchant.id)).name).toBe(merchantInput.name);
  });

  it('backs off 1 s, 2 s, 4 s … up to 5 minutes', () => {
    expect([0, 1, 2, 10, 50].map(onboardingBackoffMs)).toEqual([
      1_000, 2_000, 4_000, 300_000, 300_000,
    ]);
  });
});

describe('listing merchants', () => {
  it('pages through every merchant once, oldest first', async () => {
    const w = world();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await w.merchant({ idempotencyKey: `k${i}` })).merchant.id);
      w.clock.advance(1);
    }
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await w.listMerchants({ pageSize: 2, pageToken });
      seen.push(...page.merchants.map((m) => m.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([...ids].sort());
  });

  it.each([
    [{ pageSize: 201, pageToken: '' }, 'page_size'],
    [{ pageSize: 10, pageToken: 'bm90LWFuLWlk' }, 'page_token'],
  ])('refuses %o', async (input, field) => {
    const w = world();
    await expect(w.listMerchants(input)).rejects.toMatchObject({
      code: 'MERCHANT_INVALID_REQUEST',
      details: { field },
    });
  });
});
