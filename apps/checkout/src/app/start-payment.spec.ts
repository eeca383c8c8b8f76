import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { TTL_MS, world } from '../../test/fakes/world';

/** A merchant taking cards and QR, and one KGS payment. */
async function kgsPayment(description = 'Two books') {
  const w = world();
  const { merchant } = await w.merchant({
    idempotencyKey: 'mer-kg',
    enabledMethods: ['webmoney_purse', 'card', 'qr'],
  });
  const { view } = await w.createPayment(
    w.paymentInput(merchant.id, { currency: 'KGS', amountMinor: 150_000n, description }),
  );
  w.provider.nextStart = {
    provider: 'qr_acquirer',
    action: {
      kind: 'instructions',
      title: 'Pay by QR code',
      values: { qr_id: 'stale', amount: '1500.00', currency: 'KGS', amount_tyiyn: '150000' },
    },
    providerReference: 'qr-ref',
  };
  return { w, merchant, payment: view.payment };
}

describe('startPayment', () => {
  it('tells the provider adapters the payment’s mode, so a live payment never reaches a sandbox', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    for (const livemode of [false, true]) {
      const { view } = await w.createPayment({
        ...w.paymentInput(merchant.id),
        idempotencyKey: `mode-${livemode}`,
        livemode,
      });
      expect(view.payment.livemode).toBe(livemode);
      await w.startPayment({
        paymentId: view.payment.id,
        pageSecret: view.payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      });
      expect(w.provider.starts.at(-1)?.livemode).toBe(livemode);
    }
  });

  it('treats the same idempotency key with another mode as a different request', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    await w.createPayment({ ...w.paymentInput(merchant.id), idempotencyKey: 'k' });
    await expect(
      w.createPayment({ ...w.paymentInput(merchant.id), idempotencyKey: 'k', livemode: true }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'livemode' } });
  });

  it('asks the provider adapters, records method and provider and moves to pending', async () => {
    const w = world();
    const { payment } = await w.created();
    const { view, action } = await w.startPayment({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      method: 'webmoney_keeper_mobile',
      payer: { phone: '+996555123456' },
    });
    expect(w.provider.starts).toEqual([
      {
        paymentId: payment.id,
        merchantId: payment.merchantId,
        method: 'webmoney_keeper_mobile',
        amount: payment.amount,
        description: 'Two books',
        successUrl: 'https://books.example/ok',
        failUrl: 'https://books.example/fail',
        livemode: false,
        payer: { phone: '+996555123456' },
        providerShopId: 'shop-42',
      },
    ]);
    expect(action).toEqual({
      kind: 'form_post',
      url: 'https://sandbox/pay',
      fields: [{ name: 'LMI_PAYEE_PURSE', value: 'Z1' }],
      acceptCharset: 'utf-8',
    });
    expect(view.payment).toMatchObject({
      status: 'pending',
      method: 'webmoney_keeper_mobile',
      provider: 'webmoney',
    });
    expect(w.payments.transitions.at(-1)).toMatchObject({ from: 'created', to: 'pending' });
  });

  it('lets a pending payment be started again with another enabled method', async () => {
    const w = world();
    const { payment } = await w.created();
    await w.startPayment({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      method: 'webmoney_keeper_mobile',
      payer: {},
    });
    const { view } = await w.startPayment({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      method: 'webmoney_purse',
      payer: {},
    });
    expect(view.payment).toMatchObject({ status: 'pending', method: 'webmoney_purse' });
    expect(w.payments.transitions.filter((t) => t.to === 'pending')).toHaveLength(1);
  });

  it('refuses a method the merchant did not enable, without calling the provider', async () => {
    const w = world();
    const { payment } = await w.created();
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'card',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_NOT_ENABLED',
      kind: 'precondition',
    });
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: null,
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_INVALID_REQUEST',
    });
    expect(w.provider.starts).toHaveLength(0);
    expect((await w.payments.findById(payment.id))?.status).toBe('created');
  });

  it('refuses a final payment as not payable', async () => {
    const w = world();
    const { payment } = await w.created();
    w.payments.rows.set(payment.id, { ...payment, status: 'succeeded' });
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
      kind: 'precondition',
      details: { status: 'succeeded' },
    });
    expect(w.provider.starts).toHaveLength(0);
  });

  it('marks a payment past its expiry as expired and refuses it', async () => {
    const w = world();
    const { payment } = await w.created();
    w.clock.advance(TTL_MS);
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
      details: { status: 'expired' },
    });
    expect((await w.payments.findById(payment.id))?.status).toBe('expired');
    expect(w.payments.transitions.at(-1)).toMatchObject({ from: 'created', to: 'expired' });
    expect(w.provider.starts).toHaveLength(0);
  });

  it('passes provider errors through with their codes and leaves the payment as it was', async () => {
    const w = world();
    const { payment } = await w.created();
    w.provider.nextStart = new DomainError('PROVIDER_UNAVAILABLE', 'unavailable', 'sandbox down');
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      kind: 'unavailable',
    });
    expect(await w.payments.findById(payment.id)).toEqual(payment);
  });

  it('does not overwrite an outcome that landed while the provider was being asked', async () => {
    const w = world();
    const { payment } = await w.created();
    const start = w.provider.startPayment.bind(w.provider);
    w.provider.startPayment = async (input) => {
      const started = await start(input);
      const current = w.payments.rows.get(payment.id);
      if (current)
        w.payments.rows.set(payment.id, {
          ...current,
          status: 'succeeded',
          version: current.version + 1,
        });
      return started;
    };
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
    });
    expect((await w.payments.findById(payment.id))?.status).toBe('succeeded');
  });

  it('is PAYMENT_NOT_FOUND for an unknown payment', async () => {
    const w = world();
    await expect(
      w.startPayment({
        paymentId: 'pay_nope',
        pageSecret: 'no-such-secret',
        method: 'webmoney_purse',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
    });
  });

  it('refuses a method that cannot take the currency before asking any provider, writing nothing', async () => {
    const { w, payment } = await kgsPayment();
    const writes = w.payments.writes;
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_UNAVAILABLE',
      kind: 'precondition',
      details: { method: 'webmoney_purse', currency: 'KGS' },
    });
    expect(w.provider.starts).toHaveLength(0);
    expect(w.qr.calls).toHaveLength(0);
    expect(w.payments.writes).toBe(writes);
    expect(await w.payments.findById(payment.id)).toEqual(payment);
  });

  it('starts a QR payment: qr-platform issues the code, the adapters register it, the action carries it', async () => {
    const { w, payment, merchant } = await kgsPayment(
      'Order 1001:\n two books 📚 and a very long note',
    );
    const { view, action } = await w.startPayment({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      method: 'qr',
      payer: { qr_code_id: 'forged', qr_scan_reference: 'mbank:forged' },
    });
    expect(w.qr.calls).toEqual([
      {
        merchantId: payment.merchantId,
        idempotencyKey: `payment:${payment.id}`,
        amount: { amountMinor: 150_000n, currency: 'KGS' },
        description: 'Order 1001: two books and a very',
        // The code is payable as long as its payment, in the payment's mode.
        livemode: false,
        expiresAt: payment.expiresAt,
        paymentId: payment.id,
        // The payer's bank app shows the shop, not the platform.
        merchantName: merchant.name,
      },
    ]);
    const code = [...w.qr.codes.values()][0];
    expect(code).toBeDefined();
    // Which code or scan a payment is registered for is never the payer's to say.
    expect(w.provider.starts.at(-1)?.payer).toEqual({ qr_code_id: code?.id });
    expect(action).toEqual({
      kind: 'instructions',
      title: 'Pay by QR code',
      values: {
        qr_id: code?.id,
        link: code?.link,
        payload: code?.payload,
        amount: '1500.00',
        currency: 'KGS',
        amount_tyiyn: '150000',
      },
    });
    expect(view.payment).toMatchObject({
      status: 'pending',
      method: 'qr',
      provider: 'qr_acquirer',
      // Its payment events name the code (qr-platform follows its codes by them).
      providerAttributes: { qr_code_id: code?.id },
    });
    expect(w.payments.transitions.at(-1)?.event?.providerAttributes).toEqual({
      qr_code_id: code?.id,
    });
    expect(view.availableMethods).toEqual(['card', 'qr']);

    // Starting again reuses the payment's one code.
    const again = await w.startPayment({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      method: 'qr',
      payer: {},
    });
    expect(again.action).toEqual(action);
    expect(w.qr.codes.size).toBe(1);
  });

  it('passes a qr-platform refusal through without asking the adapters', async () => {
    const { w, payment } = await kgsPayment();
    w.qr.fail = new DomainError('QR_FIELD_TOO_LONG', 'invalid', 'too long');
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'qr',
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'QR_FIELD_TOO_LONG', kind: 'invalid' });
    expect(w.provider.starts).toHaveLength(0);
    expect((await w.payments.findById(payment.id))?.status).toBe('created');
  });
});
