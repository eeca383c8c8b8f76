import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';

describe('getPayment', () => {
  it('returns a payment with the merchant methods, scoped to its merchant when asked', async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    const other = await w.merchant({ idempotencyKey: 'other' });
    await expect(
      w.getPayment({ paymentId: payment.id, merchantId: '', pageSecret: payment.pageSecret }),
    ).resolves.toMatchObject({
      payment: { id: payment.id },
      availableMethods: merchant.enabledMethods,
    });
    await expect(
      w.getPayment({ paymentId: payment.id, merchantId: merchant.id, pageSecret: '' }),
    ).resolves.toBeTruthy();
    await expect(
      w.getPayment({ paymentId: payment.id, merchantId: other.merchant.id, pageSecret: '' }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      kind: 'not_found',
    });
    await expect(
      w.getPayment({ paymentId: 'pay_missing', merchantId: '', pageSecret: 'no-such-secret' }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
    });
  });
});

describe('getPayment for the payer (no merchant)', () => {
  it('needs the page secret: a wrong or missing one is PAYMENT_NOT_FOUND like an unknown id', async () => {
    const w = world();
    const { payment } = await w.created();
    expect(payment.pageSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const pageSecret of ['', 'wrong', `${payment.pageSecret}x`]) {
      await expect(
        w.getPayment({ paymentId: payment.id, merchantId: '', pageSecret }),
      ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: 'payment not found' });
    }
  });

  it('gives two payments two different secrets', async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    const { view } = await w.createPayment(
      w.paymentInput(merchant.id, { idempotencyKey: 'order-1002', orderId: '1002' }),
    );
    expect(view.payment.pageSecret).not.toBe(payment.pageSecret);
    await expect(
      w.getPayment({ paymentId: view.payment.id, merchantId: '', pageSecret: payment.pageSecret }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
  });

  it("answers a key of the other mode PAYMENT_NOT_FOUND with Stripe's hint", async () => {
    const w = world();
    const { merchant, payment } = await w.created({ livemode: true });
    const read = (livemode: boolean) =>
      w.getPayment({ paymentId: payment.id, merchantId: merchant.id, pageSecret: '', livemode });
    await expect(read(false)).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      message:
        `No such payment: '${payment.id}'; a similar object exists in live mode, but a test ` +
        'mode key was used to make this request.',
    });
    await expect(read(true)).resolves.toMatchObject({ payment: { id: payment.id } });
    // The payer's page holds the payment's own secret and reads it whatever its mode.
    await expect(
      w.getPayment({ paymentId: payment.id, merchantId: '', pageSecret: payment.pageSecret }),
    ).resolves.toMatchObject({ payment: { livemode: true } });
  });
});
