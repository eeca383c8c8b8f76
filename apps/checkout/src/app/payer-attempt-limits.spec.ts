import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { inputAnswer } from '../../test/fakes/in-memory';
import { ATTEMPT_LIMITS, world } from '../../test/fakes/world';
import type { ProviderAction } from '../domain/provider';

const wallet: ProviderAction = {
  kind: 'instructions',
  title: 'Pay with Wavepay',
  values: { wallet: '09123456789' },
};

async function wavepayPending() {
  const w = world();
  const { merchant } = await w.merchant({
    idempotencyKey: 'mer-wave',
    enabledMethods: ['wavepay', 'webmoney_purse'],
  });
  const { view } = await w.createPayment(
    w.paymentInput(merchant.id, { currency: 'MMK', amountMinor: 500_000n }),
  );
  const payment = view.payment;
  w.provider.nextStart = { provider: 'paykassma', action: wallet, providerReference: 'pk-1' };
  await w.startPayment({
    paymentId: payment.id,
    pageSecret: payment.pageSecret,
    method: 'wavepay',
    payer: {},
  });
  const submit = (key1: string) =>
    w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: { key1 } });
  return { w, payment, submit };
}

const refused = inputAnswer({
  outcome: 'failed',
  payerMayRetry: true,
  reasonCode: 'PAYKASSMA_TRANSACTION_NOT_FOUND',
  providerPaymentId: '',
  attributes: {},
});

describe('payer attempt limits: Wavepay transaction numbers', () => {
  it('locks Wavepay for the payment after the limit of refused numbers, without asking the provider again', async () => {
    const { w, payment, submit } = await wavepayPending();
    w.provider.nextInput = refused;
    for (let i = 0; i < ATTEMPT_LIMITS.wavepay; i++) {
      await expect(submit(`1000000000${i}`)).resolves.toMatchObject({ outcome: 'failed' });
    }
    await expect(submit('12345678901')).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_LOCKED',
      kind: 'precondition',
      details: { method: 'wavepay' },
      message: expect.stringContaining('Wavepay is locked'),
    });
    expect(w.provider.inputs).toHaveLength(ATTEMPT_LIMITS.wavepay);
    // Starting Wavepay again does not unlock it.
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'wavepay',
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_METHOD_LOCKED' });
  });

  it('counts only refused numbers: still-checking answers and a provider outage give the try back', async () => {
    const { w, submit } = await wavepayPending();
    w.provider.nextInput = inputAnswer({ outcome: 'pending', providerPaymentId: '' });
    for (let i = 0; i < ATTEMPT_LIMITS.wavepay + 2; i++) await submit('12345678901');
    w.provider.nextInput = new DomainError('PROVIDER_UNAVAILABLE', 'unavailable', 'down');
    for (let i = 0; i < ATTEMPT_LIMITS.wavepay + 2; i++) {
      await expect(submit('12345678901')).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    }
    w.provider.nextInput = refused;
    for (let i = 0; i < ATTEMPT_LIMITS.wavepay; i++) await submit('1');
    await expect(submit('1')).rejects.toMatchObject({ code: 'PAYMENT_METHOD_LOCKED' });
  });

  it('never lets parallel submissions past the limit', async () => {
    const { w, submit } = await wavepayPending();
    w.provider.nextInput = refused;
    const results = await Promise.allSettled(
      Array.from({ length: ATTEMPT_LIMITS.wavepay + 4 }, (_, i) => submit(String(i))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(ATTEMPT_LIMITS.wavepay);
    expect(w.provider.inputs).toHaveLength(ATTEMPT_LIMITS.wavepay);
  });
});

describe('payer attempt limits: WM Keeper Mobile phones', () => {
  it('locks Keeper Mobile after the limit of starts; a provider outage does not count', async () => {
    const w = world();
    const { payment } = await w.created();
    const start = (phone: string) =>
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_keeper_mobile',
        payer: { phone },
      });
    w.provider.nextStart = new DomainError('PROVIDER_UNAVAILABLE', 'unavailable', 'down');
    await expect(start('+996555000001')).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    w.provider.nextStart = new DomainError('WEBMONEY_PHONE_UNKNOWN', 'invalid', 'unknown phone');
    await expect(start('+996555000002')).rejects.toMatchObject({ code: 'WEBMONEY_PHONE_UNKNOWN' });
    w.provider.nextStart = {
      provider: 'webmoney',
      action: { kind: 'instructions', title: 'Confirm in WM Keeper', values: {} },
      providerReference: '1',
    };
    for (let i = 1; i < ATTEMPT_LIMITS.webmoney_keeper_mobile; i++) {
      await start(`+99655500001${i}`);
    }
    const asked = w.provider.starts.length;
    await expect(start('+996555000099')).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_LOCKED',
      details: { method: 'webmoney_keeper_mobile' },
      message: expect.stringContaining('WM Keeper Mobile is locked'),
    });
    expect(w.provider.starts).toHaveLength(asked);
    // The purse stays open.
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'webmoney_purse',
        payer: {},
      }),
    ).resolves.toBeTruthy();
  });
});

describe('page secret on the payer steps', () => {
  it('refuses start and input with a wrong secret as PAYMENT_NOT_FOUND, asking no provider', async () => {
    const { w, payment } = await wavepayPending();
    const asked = { starts: w.provider.starts.length, inputs: w.provider.inputs.length };
    for (const pageSecret of ['', 'wrong']) {
      await expect(
        w.startPayment({ paymentId: payment.id, pageSecret, method: 'wavepay', payer: {} }),
      ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: 'payment not found' });
      await expect(
        w.submitPayerInput({ paymentId: payment.id, pageSecret, fields: { key1: '1' } }),
      ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: 'payment not found' });
    }
    expect(w.provider.starts).toHaveLength(asked.starts);
    expect(w.provider.inputs).toHaveLength(asked.inputs);
  });
});
