import { describe, expect, it } from 'vitest';

import { TTL_MS, world } from '../../test/fakes/world';

describe('expirePayments', () => {
  it('expires created and pending payments past their expiry, leaving others alone', async () => {
    const w = world();
    const { merchant } = await w.merchant();
    const created = (await w.createPayment(w.paymentInput(merchant.id, { idempotencyKey: 'a' })))
      .view.payment;
    const pending = (await w.createPayment(w.paymentInput(merchant.id, { idempotencyKey: 'b' })))
      .view.payment;
    await w.startPayment({
      paymentId: pending.id,
      pageSecret: pending.pageSecret,
      method: 'webmoney_purse',
      payer: {},
    });
    const done = (await w.createPayment(w.paymentInput(merchant.id, { idempotencyKey: 'c' }))).view
      .payment;
    w.payments.rows.set(done.id, { ...done, status: 'failed' });
    w.clock.advance(TTL_MS / 2);
    const young = (await w.createPayment(w.paymentInput(merchant.id, { idempotencyKey: 'd' }))).view
      .payment;

    expect(await w.expirePayments()).toBe(0);
    w.clock.advance(TTL_MS / 2);
    expect(await w.expirePayments()).toBe(2);

    expect((await w.payments.findById(created.id))?.status).toBe('expired');
    expect((await w.payments.findById(pending.id))?.status).toBe('expired');
    expect((await w.payments.findById(done.id))?.status).toBe('failed');
    expect((await w.payments.findById(young.id))?.status).toBe('created');
    expect(
      w.payments.transitions
        .filter((t) => t.to === 'expired')
        .map((t) => t.from)
        .sort(),
    ).toEqual(['created', 'pending']);
    expect(await w.expirePayments()).toBe(0);
  });
});
