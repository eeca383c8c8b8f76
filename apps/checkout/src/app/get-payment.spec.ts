import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';

describe('getPayment', () => {
  it('returns a payment with the merchant methods, scoped to its merchant when asked', async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    const other = await w.merchant({ idempotencyKey: 'other' });
    await expect(w.getPayment({ paymentId: payment.id, merchantId: '' })).resolves.toMatchObject({
      payment: { id: payment.id },
      availableMethods: merchant.enabledMethods,
    });
    await expect(
      w.getPayment({ paymentId: payment.id, merchantId: merchant.id }),
    ).resolves.toBeTruthy();
    await expect(
      w.getPayment({ paymentId: payment.id, merchantId: other.merchant.id }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      kind: 'not_found',
    });
    await expect(w.getPayment({ paymentId: 'pay_missing', merchantId: '' })).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
    });
  });
});
