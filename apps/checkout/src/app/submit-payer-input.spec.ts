import { DomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { inputAnswer } from '../../test/fakes/in-memory';
import { SWEEP_GRACE_MS, TTL_MS, world } from '../../test/fakes/world';
import type { ProviderAction } from '../domain/provider';

const wallet: ProviderAction = {
  kind: 'instructions',
  title: 'Pay with Wavepay',
  values: { wallet: '09123456789', plugin_url: 'https://plugin.example/' },
};

/** A merchant taking Wavepay and one MMK payment started with it (pending). */
async function wavepayPending() {
  const w = world();
  const { merchant } = await w.merchant({
    idempotencyKey: 'mer-wave',
    enabledMethods: ['wavepay', 'webmoney_purse'],
  });
  const { view } = await w.createPayment(
    w.paymentInput(merchant.id, { currency: 'MMK', amountMinor: 500_000n }),
  );
  w.provider.nextStart = { provider: 'paykassma', action: wallet, providerReference: 'pk-1' };
  await w.startPayment({
    paymentId: view.payment.id,
    pageSecret: view.payment.pageSecret,
    method: 'wavepay',
    payer: {},
  });
  return { w, merchant, payment: view.payment };
}

const key1 = { key1: '12345678901' };

describe('submitPayerInput', () => {
  it('on SUCCEEDED settles like a succeeded callback: one ledger post, the ledger’s fee kept', async () => {
    const { w, payment } = await wavepayPending();
    w.ledger.planFee = money(7_500n, 'MMK');
    const out = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });

    expect(w.provider.inputs).toEqual([{ paymentId: payment.id, method: 'wavepay', fields: key1 }]);
    expect(out).toMatchObject({ message: '', action: null, outcome: 'succeeded' });
    expect(out.view.payment).toMatchObject({
      status: 'succeeded',
      method: 'wavepay',
      provider: 'paykassma',
      providerPaymentId: 'key1:12345678901',
      providerAttributes: { wavepay_key1: '12345678901' },
      // The fee the ledger's plan applied: checkout computes none.
      fee: { amountMinor: 7_500n, currency: 'MMK' },
    });
    expect(out.view.availableMethods).toEqual(['wavepay']);
    expect(w.ledger.calls).toEqual([
      expect.objectContaining({
        idempotencyKey: `payment:${payment.id}:succeeded`,
        gross: { amountMinor: 500_000n, currency: 'MMK' },
        method: 'wavepay',
        provider: 'paykassma',
      }),
    ]);
    expect(w.payments.transitions.at(-1)).toMatchObject({
      from: 'pending',
      to: 'succeeded',
      reason: 'payer_input',
    });
  });

  it('answers a repeat after success from the stored payment: no provider call, no second post', async () => {
    const { w, payment } = await wavepayPending();
    await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    const stored = await w.payments.findById(payment.id);
    const writes = w.payments.writes;
    const again = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(again).toMatchObject({ outcome: 'succeeded', message: '' });
    expect(again.view.payment).toEqual(stored);
    expect(w.payments.writes).toBe(writes);
    expect(w.provider.inputs).toHaveLength(1);
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('posts once when the same input races itself (the ledger key dedupes)', async () => {
    const { w, payment } = await wavepayPending();
    const outs = await Promise.all([
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: key1 }),
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: key1 }),
    ]);
    expect(outs.map((o) => o.view.payment.status)).toEqual(['succeeded', 'succeeded']);
    expect(w.provider.inputs).toHaveLength(2);
    expect(new Set(w.ledger.calls.map((c) => c.idempotencyKey))).toEqual(
      new Set([`payment:${payment.id}:succeeded`]),
    );
    expect(w.ledger.posted.size).toBe(1);
    expect(w.payments.transitions.filter((t) => t.to === 'succeeded')).toHaveLength(1);
  });

  it('still succeeds when the ledger is down; the sweeper posts it later, once', async () => {
    const { w, payment } = await wavepayPending();
    // Its pending fact reached the ledger; then the ledger goes away before the money does.
    await w.recordStatusEvents.forPayment(payment.id);
    w.ledger.down = true;
    const out = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(out.view.payment).toMatchObject({ status: 'succeeded', ledgerPostedAt: null });
    w.ledger.down = false;
    w.clock.advance(SWEEP_GRACE_MS + 1);
    expect(await w.sweepUnposted()).toEqual({ posted: 1, failed: 0 });
    expect(w.ledger.posted.size).toBe(1);
    // Every attempt carried the identical request.
    expect(w.ledger.calls[1]).toEqual(w.ledger.calls[0]);
  });

  it('keeps the payment pending on PENDING, with the provider message and next action', async () => {
    const { w, payment } = await wavepayPending();
    w.provider.nextInput = inputAnswer({
      outcome: 'pending',
      message: 'Checking the transfer',
      nextAction: wallet,
      providerPaymentId: '',
    });
    const out = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(out).toMatchObject({ message: 'Checking the transfer', action: wallet });
    expect(out.view.payment.status).toBe('pending');
    w.provider.nextInput = inputAnswer({ outcome: 'pending', message: '' });
    const defaulted = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(defaulted.message).toMatch(/still checking/);
    expect(w.ledger.calls).toHaveLength(0);
  });

  it('moves to requires_review on MANUAL_REVIEW: not payable, not submittable, never expired', async () => {
    const { w, payment } = await wavepayPending();
    w.provider.nextInput = inputAnswer({
      outcome: 'manual_review',
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
      providerPaymentId: '',
    });
    const out = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(out.view.payment.status).toBe('requires_review');
    expect(out.message).toMatch(/reviewed/);
    expect(w.payments.transitions.at(-1)).toMatchObject({
      from: 'pending',
      to: 'requires_review',
      reason: 'payer_input PROVIDER_POSSIBLE_TRANSACTION',
    });
    await expect(
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: key1 }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
      details: { status: 'requires_review' },
    });
    await expect(
      w.startPayment({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        method: 'wavepay',
        payer: {},
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_PAYABLE' });
    w.clock.advance(TTL_MS * 2);
    expect(await w.expirePayments()).toBe(0);
    expect((await w.payments.findById(payment.id))?.status).toBe('requires_review');
    expect(w.provider.inputs).toHaveLength(1);
    expect(w.ledger.calls).toHaveLength(0);
  });

  it.each([
    ['a different amount', { amountMinor: 400_000n, currency: 'MMK' }, 'amount_mismatch', 400_000n],
    ['no amount', null, 'amount_unknown', 500_000n],
  ] as const)(
    'holds money confirmed with %s under a case and sends the payment to review, posting nothing',
    async (_what, amount, kind, held) => {
      const { w, payment } = await wavepayPending();
      w.provider.nextInput = inputAnswer({ amount });
      const out = await w.submitPayerInput({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        fields: key1,
      });
      expect(out).toMatchObject({ outcome: 'manual_review' });
      expect(out.view.payment.status).toBe('requires_review');
      expect(w.ledger.calls).toHaveLength(0);
      const [opened] = [...w.caseRepo.rows.values()];
      expect(opened).toMatchObject({
        kind,
        status: 'open',
        paymentId: payment.id,
        provider: 'paykassma',
        amount: { amountMinor: held, currency: 'MMK' },
      });
      expect(w.ledger.unapplied.get(opened?.id ?? '')).toMatchObject({ resolution: 'held' });
      expect(w.log.lines.some((l) => l.level === 'error' && l.msg.includes('case opened'))).toBe(
        true,
      );
    },
  );

  it('keeps the payment open after a FAILED attempt the payer may retry, then accepts another number', async () => {
    const { w, payment } = await wavepayPending();
    w.provider.nextInput = inputAnswer({
      outcome: 'failed',
      reasonCode: 'PROVIDER_ACTIVATION_FAILED',
      message: 'Transaction not found',
      payerMayRetry: true,
      nextAction: wallet,
    });
    const out = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(out).toMatchObject({
      outcome: 'failed',
      message: 'Transaction not found',
      action: wallet,
    });
    expect(out.view.payment.status).toBe('pending');

    w.provider.nextInput = inputAnswer();
    const paid = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: { key1: '98765432109' },
    });
    expect(paid.view.payment.status).toBe('succeeded');
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('fails the payment when the provider says the failure is final', async () => {
    const { w, payment } = await wavepayPending();
    w.provider.nextInput = inputAnswer({
      outcome: 'failed',
      reasonCode: 'PROVIDER_PAYMENT_FAILED',
      payerMayRetry: false,
      providerPaymentId: '',
    });
    const out = await w.submitPayerInput({
      paymentId: payment.id,
      pageSecret: payment.pageSecret,
      fields: key1,
    });
    expect(out.view.payment).toMatchObject({
      status: 'failed',
      failureCode: 'PROVIDER_PAYMENT_FAILED',
    });
    expect(out.message).toBe('The payment failed.');
  });

  it('refuses input a payment is not waiting for, without asking the provider', async () => {
    const { w, payment, merchant } = await wavepayPending();
    const { view: created } = await w.createPayment(
      w.paymentInput(merchant.id, { idempotencyKey: 'k2', currency: 'MMK' }),
    );
    await expect(
      w.submitPayerInput({
        paymentId: created.payment.id,
        pageSecret: created.payment.pageSecret,
        fields: key1,
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_INPUT_NOT_EXPECTED',
      kind: 'precondition',
      details: { status: 'created', method: '' },
    });

    const { view: usd } = await w.createPayment(
      w.paymentInput(merchant.id, { idempotencyKey: 'k3' }),
    );
    w.provider.nextStart = {
      provider: 'webmoney',
      action: { kind: 'redirect', url: 'https://wm' },
      providerReference: '1',
    };
    await w.startPayment({
      paymentId: usd.payment.id,
      pageSecret: usd.payment.pageSecret,
      method: 'webmoney_purse',
      payer: {},
    });
    await expect(
      w.submitPayerInput({
        paymentId: usd.payment.id,
        pageSecret: usd.payment.pageSecret,
        fields: key1,
      }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_INPUT_NOT_EXPECTED',
      details: { status: 'pending', method: 'webmoney_purse' },
    });

    await expect(
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: {} }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_INVALID_REQUEST',
      details: { field: 'fields' },
    });
    await expect(
      w.submitPayerInput({
        paymentId: payment.id,
        pageSecret: payment.pageSecret,
        fields: { key1: 'x'.repeat(257) },
      }),
    ).rejects.toMatchObject({ details: { field: 'fields.key1' } });
    await expect(
      w.submitPayerInput({ paymentId: 'pay_nope', pageSecret: 'no-such-secret', fields: key1 }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_FOUND',
    });

    w.payments.rows.set(payment.id, {
      ...(w.payments.rows.get(payment.id) as typeof payment),
      status: 'failed',
    });
    await expect(
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: key1 }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
      details: { status: 'failed' },
    });
    expect(w.provider.inputs).toHaveLength(0);
  });

  it('expires a pending payment past its time instead of submitting', async () => {
    const { w, payment } = await wavepayPending();
    w.clock.advance(TTL_MS);
    await expect(
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: key1 }),
    ).rejects.toMatchObject({
      code: 'PAYMENT_NOT_PAYABLE',
      details: { status: 'expired' },
    });
    expect((await w.payments.findById(payment.id))?.status).toBe('expired');
    expect(w.provider.inputs).toHaveLength(0);
  });

  it('passes provider errors through with their codes; the payment is unchanged', async () => {
    const { w, payment } = await wavepayPending();
    const before = await w.payments.findById(payment.id);
    w.provider.nextInput = new DomainError('PROVIDER_UNAVAILABLE', 'unavailable', 'down');
    await expect(
      w.submitPayerInput({ paymentId: payment.id, pageSecret: payment.pageSecret, fields: key1 }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      kind: 'unavailable',
    });
    expect(await w.payments.findById(payment.id)).toEqual(before);
  });
});
