import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';

describe('cancelPayment', () => {
  it('cancels a created payment, owing the ledger payment.canceled', async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    const canceled = await w.cancelPayment({
      paymentId: payment.id,
      merchantId: merchant.id,
      reason: 'customer left',
    });
    expect(canceled.status).toBe('canceled');
    expect(w.payments.transitions.at(-1)).toMatchObject({
      from: 'created',
      to: 'canceled',
      reason: 'canceled by merchant: customer left',
      event: { eventType: 'payment.canceled', status: 'canceled', method: null },
    });
  });

  it('cancels a pending payment, and answers a canceled one unchanged', async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    await w.startPayment({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      method: 'webmoney_purse',
      payer: {},
    });
    const first = await w.cancelPayment({
      paymentId: payment.id,
      merchantId: merchant.id,
      reason: '',
    });
    const again = await w.cancelPayment({
      paymentId: payment.id,
      merchantId: merchant.id,
      reason: '',
    });
    expect(first.status).toBe('canceled');
    expect(again).toEqual(first);
    expect(w.payments.transitions.filter((t) => t.to === 'canceled')).toHaveLength(1);
  });

  it("refuses to cancel a final or reviewed payment, and another merchant's", async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    for (const status of ['succeeded', 'failed', 'expired', 'requires_review'] as const) {
      w.payments.rows.set(payment.id, { ...payment, status });
      await expect(
        w.cancelPayment({ paymentId: payment.id, merchantId: merchant.id, reason: '' }),
      ).rejects.toMatchObject({ code: 'PAYMENT_NOT_CANCELABLE', details: { status } });
    }
    await expect(
      w.cancelPayment({ paymentId: payment.id, merchantId: 'mer_other', reason: '' }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
  });

  it('refuses a key of the other mode with PAYMENT_NOT_FOUND and changes nothing', async () => {
    const w = world();
    const { merchant, payment } = await w.created();
    await expect(
      w.cancelPayment({
        paymentId: payment.id,
        merchantId: merchant.id,
        reason: '',
        livemode: true,
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
      message: expect.stringContaining('exists in test mode, but a live mode key'),
    });
    expect(w.payments.rows.get(payment.id)?.status).toBe('created');
    expect(w.payments.transitions.filter((t) => t.to === 'canceled')).toHaveLength(0);
    const canceled = await w.cancelPayment({
      paymentId: payment.id,
      merchantId: merchant.id,
      reason: '',
      livemode: false,
    });
    expect(canceled.status).toBe('canceled');
  });
});
