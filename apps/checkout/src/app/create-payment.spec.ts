import { describe, expect, it } from 'vitest';

import { merchantInput, TTL_MS, world } from '../../test/fakes/world';

describe('createPayment', () => {
  it('creates a payment in created with merchant defaults, expiry and an audit row', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const { view, replayed } = await w.createPayment(w.paymentInput(merchant.id));
    expect(replayed).toBe(false);
    expect(view.payment).toMatchObject({
      merchantId: merchant.id,
      amount: { amountMinor: 10_000n, currency: 'USD' },
      status: 'created',
      successUrl: merchantInput.defaultSuccessUrl,
      failUrl: merchantInput.defaultFailUrl,
      metadata: { cart: 'c-1' },
      version: 0,
    });
    expect(view.payment.id).toMatch(/^pay_/);
    expect(view.payment.expiresAt.getTime() - view.payment.createdAt.getTime()).toBe(TTL_MS);
    expect(view.availableMethods).toEqual(merchantInput.enabledMethods);
    expect(w.payments.transitions).toEqual([
      expect.objectContaining({ paymentId: view.payment.id, from: null, to: 'created' }),
    ]);
  });

  it('refuses at create a currency none of the enabled methods accepts, writing nothing', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const writes = w.payments.writes;
    await expect(
      w.createPayment(w.paymentInput(merchant.id, { currency: 'MMK' })),
    ).rejects.toMatchObject({
      code: 'PAYMENT_CURRENCY_NOT_ACCEPTED',
      kind: 'invalid',
      details: { field: 'currency', currency: 'MMK' },
    });
    expect(w.payments.writes).toBe(writes);
    expect(w.payments.rows.size).toBe(0);
  });

  it('keeps URLs the merchant sent', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const { view } = await w.createPayment(
      w.paymentInput(merchant.id, { successUrl: 'https://a.example/s' }),
    );
    expect(view.payment.successUrl).toBe('https://a.example/s');
  });

  it('replays the same request under the same key: same payment, replayed, nothing written', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const first = await w.createPayment(w.paymentInput(merchant.id));
    const writes = w.payments.writes;
    const again = await w.createPayment(w.paymentInput(merchant.id, { metadata: { cart: 'c-1' } }));
    expect(again.replayed).toBe(true);
    expect(again.view.payment).toEqual(first.view.payment);
    expect(w.payments.writes).toBe(writes);
  });

  it.each([
    [{ amountMinor: 10_001n }, 'amount'],
    [{ currency: 'EUR' }, 'currency'],
    [{ orderId: '1002' }, 'order_id'],
    [{ description: 'Three books' }, 'description'],
    [{ successUrl: 'https://books.example/ok' }, 'success_url'],
    [{ metadata: {} }, 'metadata'],
  ])('refuses a reused key with %o naming %s, writing nothing', async (change, field) => {
    const w = world();
    const { merchant } = await w.merchant();
    await w.createPayment(w.paymentInput(merchant.id));
    const writes = w.payments.writes;
    await expect(w.createPayment(w.paymentInput(merchant.id, change))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field },
    });
    expect(w.payments.writes).toBe(writes);
    expect(w.payments.rows.size).toBe(1);
  });

  it('requires an idempotency key', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    await expect(
      w.createPayment(w.paymentInput(merchant.id, { idempotencyKey: '' })),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
      kind: 'invalid',
    });
    expect(w.payments.rows.size).toBe(0);
  });

  it('scopes keys per merchant', async () => {
    const w = world();
    const a = await w.merchant({ idempotencyKey: 'a' });
    const b = await w.merchant({ idempotencyKey: 'b' });
    const pa = await w.createPayment(w.paymentInput(a.merchant.id));
    const pb = await w.createPayment(w.paymentInput(b.merchant.id, { amountMinor: 5n }));
    expect(pb.replayed).toBe(false);
    expect(pb.view.payment.id).not.toBe(pa.view.payment.id);
  });

  it('refuses an unknown merchant and invalid input without writing', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    await expect(w.createPayment(w.paymentInput('mer_unknown'))).rejects.toMatchObject({
      code: 'MERCHANT_NOT_FOUND',
    });
    await expect(
      w.createPayment(w.paymentInput(merchant.id, { amountMinor: 0n })),
    ).rejects.toMatchObject({
      code: 'MONEY_ZERO_AMOUNT',
    });
    await expect(
      w.createPayment(w.paymentInput(merchant.id, { currency: 'ABC' })),
    ).rejects.toMatchObject({
      code: 'MONEY_UNKNOWN_CURRENCY',
    });
    expect(w.payments.rows.size).toBe(0);
  });

  it('offers only the enabled methods that can take the payment currency', async () => {
    const w = world();
    const { merchant } = await w.merchant({
      enabledMethods: ['webmoney_purse', 'card', 'wavepay', 'qr'],
    });
    const kgs = await w.createPayment(w.paymentInput(merchant.id, { currency: 'KGS' }));
    expect(kgs.view.availableMethods).toEqual(['card', 'qr']);
    const mmk = await w.createPayment(
      w.paymentInput(merchant.id, { idempotencyKey: 'mmk', currency: 'MMK' }),
    );
    expect(mmk.view.availableMethods).toEqual(['wavepay']);
    const view = await w.getPayment({
      paymentId: kgs.view.payment.id,
      merchantId: '',
      pageSecret: kgs.view.payment.pageSecret,
    });
    expect(view.availableMethods).toEqual(['card', 'qr']);
  });

  it("stores and returns the merchant's customer reference", async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const { view } = await w.createPayment(
      w.paymentInput(merchant.id, { customerRef: 'cust-42 Айгерим' }),
    );
    expect(view.payment).toMatchObject({ customerRef: 'cust-42 Айгерим', initiator: '' });
    expect((await w.payments.findById(view.payment.id))?.customerRef).toBe('cust-42 Айгерим');
  });

  it('refuses a customer reference over 190 characters or with control characters, writing nothing', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    for (const customerRef of ['x'.repeat(191), 'line\nbreak', 'tab\there', '   ']) {
      await expect(
        w.createPayment(w.paymentInput(merchant.id, { customerRef })),
      ).rejects.toMatchObject({
        code: 'PAYMENT_INVALID_REQUEST',
        details: { field: 'customer_ref' },
      });
    }
    expect(w.payments.rows.size).toBe(0);
    const ok = await w.createPayment(w.paymentInput(merchant.id, { customerRef: 'я'.repeat(190) }));
    expect(ok.view.payment.customerRef).toHaveLength(190);
  });

  it('makes the customer reference part of the idempotency fingerprint', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    await w.createPayment(w.paymentInput(merchant.id, { customerRef: 'cust-1' }));
    const replay = await w.createPayment(w.paymentInput(merchant.id, { customerRef: 'cust-1' }));
    expect(replay.replayed).toBe(true);
    await expect(
      w.createPayment(w.paymentInput(merchant.id, { customerRef: 'cust-2' })),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'customer_ref' } });
    await expect(w.createPayment(w.paymentInput(merchant.id))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'customer_ref' },
    });
  });
});
