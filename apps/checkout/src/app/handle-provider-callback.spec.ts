import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { world } from '../../test/fakes/world';
import { textReply } from '../domain/provider';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function started() {
  const w = world();
  const { merchant, payment } = await w.created();
  await w.startPayment({ paymentId: payment.id, method: 'webmoney_purse', payer: {} });
  const succeeded = callback({
    paymentId: payment.id,
    amount: { amountMinor: 10_000n, currency: 'KGS' },
  });
  return { w, merchant, payment, succeeded };
}

describe('handleProviderCallback', () => {
  it('passes the raw request to the adapters and, on SUCCEEDED, posts the payment to the ledger once', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });

    expect(w.provider.callbacks).toEqual([rawRequest]);
    expect(decode(out.reply.body)).toBe('YES');
    expect(out).toMatchObject({ paymentId: payment.id, status: 'succeeded' });
    const stored = await w.payments.findById(payment.id);
    expect(stored).toMatchObject({
      status: 'succeeded',
      method: 'webmoney_purse',
      provider: 'webmoney',
      providerPaymentId: 'wm-777',
      providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
      // 2.5% of 10000 + 10 fixed.
      fee: { amountMinor: 260n, currency: 'KGS' },
      succeededAt: w.clock.now(),
    });
    expect(stored?.ledgerTransactionId).toMatch(/^txn_/);
    expect(w.ledger.calls).toEqual([
      {
        idempotencyKey: `payment:${payment.id}:succeeded`,
        paymentId: payment.id,
        merchantId: payment.merchantId,
        gross: { amountMinor: 10_000n, currency: 'KGS' },
        fee: { amountMinor: 260n, currency: 'KGS' },
        method: 'webmoney_purse',
        provider: 'webmoney',
        providerPaymentId: 'wm-777',
        providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
        orderId: '1001',
        description: 'Two books',
        occurredAt: w.clock.now(),
      },
    ]);
  });

  it('treats the same SUCCEEDED again as a no-op with no second ledger post', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    const after = await w.payments.findById(payment.id);
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(decode(out.reply.body)).toBe('YES');
    expect(out.status).toBe('succeeded');
    expect(w.ledger.calls).toHaveLength(1);
    expect(await w.payments.findById(payment.id)).toEqual(after);
  });

  it('charges the fee of the method the payer actually used', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = { ...succeeded, method: 'webmoney_keeper_mobile' };
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(await w.payments.findById(payment.id)).toMatchObject({
      method: 'webmoney_keeper_mobile',
      fee: { amountMinor: 300n },
    });
  });

  it('accepts SUCCEEDED for a payment whose pending write has not landed (created -> succeeded)', async () => {
    const w = world();
    const { payment } = await w.created();
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      amount: { amountMinor: 10_000n, currency: 'KGS' },
    });
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out.status).toBe('succeeded');
    expect(await w.payments.findById(payment.id)).toMatchObject({
      status: 'succeeded',
      provider: 'webmoney',
    });
    expect(w.ledger.calls).toHaveLength(1);
  });

  it.each([
    [{ amountMinor: 9_999n, currency: 'KGS' }],
    [{ amountMinor: 10_000n, currency: 'USD' }],
    [null],
  ])(
    'refuses a SUCCEEDED whose money (%o) differs: 400, nothing changes, logged',
    async (amount) => {
      const { w, payment, succeeded } = await started();
      const before = await w.payments.findById(payment.id);
      w.provider.nextCallback = { ...succeeded, amount };
      const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
      expect(out.reply).toEqual(textReply(400, 'amount mismatch'));
      expect(out).toMatchObject({ paymentId: payment.id, status: 'pending' });
      expect(await w.payments.findById(payment.id)).toEqual(before);
      expect(w.ledger.calls).toHaveLength(0);
      expect(
        w.log.lines.some((l) => l.level === 'error' && l.msg.includes('different amount')),
      ).toBe(true);
    },
  );

  it('answers 503 retry when the ledger is down; the payment stays succeeded and unposted until a resend', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    w.ledger.down = true;
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out.reply).toEqual(textReply(503, 'retry'));
    expect(out.status).toBe('succeeded');
    expect(await w.payments.findById(payment.id)).toMatchObject({
      status: 'succeeded',
      ledgerPostedAt: null,
    });

    w.ledger.down = false;
    w.clock.advance(1_000);
    const resent = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(decode(resent.reply.body)).toBe('YES');
    expect(w.ledger.calls).toHaveLength(2);
    // The retry is the identical request: same key, same occurred_at, same fee.
    expect(w.ledger.calls[1]).toEqual(w.ledger.calls[0]);
    expect((await w.payments.findById(payment.id))?.ledgerPostedAt).not.toBeNull();
  });

  it('refuses FAILED after SUCCEEDED: unchanged, logged, adapter reply passed through', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    const before = await w.payments.findById(payment.id);
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      outcome: 'failed',
      reasonCode: 'WM_DECLINED',
    });
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out).toMatchObject({ paymentId: payment.id, status: 'succeeded' });
    expect(await w.payments.findById(payment.id)).toEqual(before);
    expect(
      w.log.lines.some(
        (l) => l.level === 'error' && (l.obj as { code?: string }).code === 'PAYMENT_ALREADY_FINAL',
      ),
    ).toBe(true);
  });

  it('moves to failed on FAILED with the reason code, and ignores a late SUCCEEDED', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      outcome: 'failed',
      reasonCode: 'WM_DECLINED',
    });
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out.status).toBe('failed');
    expect(await w.payments.findById(payment.id)).toMatchObject({
      status: 'failed',
      failureCode: 'WM_DECLINED',
    });
    w.provider.nextCallback = succeeded;
    const late = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(late.status).toBe('failed');
    expect(w.ledger.calls).toHaveLength(0);
  });

  it('changes nothing for PENDING, REJECTED or an unknown payment', async () => {
    const { w, payment } = await started();
    const before = await w.payments.findById(payment.id);
    w.provider.nextCallback = callback({ paymentId: payment.id, outcome: 'pending' });
    expect(await w.handleCallback({ provider: 'webmoney', request: rawRequest })).toMatchObject({
      status: 'pending',
    });
    const refusal = textReply(400, 'bad signature');
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      outcome: 'rejected',
      reply: refusal,
      reasonCode: 'X',
    });
    expect(await w.handleCallback({ provider: 'webmoney', request: rawRequest })).toEqual({
      reply: refusal,
      paymentId: '',
      status: null,
    });
    w.provider.nextCallback = callback({
      paymentId: 'pay_unknown',
      amount: { amountMinor: 1n, currency: 'KGS' },
    });
    const unknown = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(decode(unknown.reply.body)).toBe('YES');
    expect(unknown.paymentId).toBe('');
    expect(w.log.lines.some((l) => l.level === 'error' && l.msg.includes('unknown payment'))).toBe(
      true,
    );
    expect(await w.payments.findById(payment.id)).toEqual(before);
    expect(w.ledger.calls).toHaveLength(0);
  });

  it('passes an accepted pre-check through, but refuses one for an unpayable payment or other money', async () => {
    const { w, payment } = await started();
    const precheck = callback({
      paymentId: payment.id,
      outcome: 'precheck_accepted',
      amount: { amountMinor: 10_000n, currency: 'KGS' },
    });
    w.provider.nextCallback = precheck;
    expect(
      decode((await w.handleCallback({ provider: 'webmoney', request: rawRequest })).reply.body),
    ).toBe('YES');
    w.provider.nextCallback = { ...precheck, amount: { amountMinor: 1n, currency: 'KGS' } };
    expect(
      (await w.handleCallback({ provider: 'webmoney', request: rawRequest })).reply.statusCode,
    ).toBe(400);
    w.clock.advance(24 * 60 * 60 * 1000);
    w.provider.nextCallback = precheck;
    expect(
      (await w.handleCallback({ provider: 'webmoney', request: rawRequest })).reply.statusCode,
    ).toBe(400);
    expect((await w.payments.findById(payment.id))?.status).toBe('pending');
  });

  it('propagates an adapter error with its code', async () => {
    const { w } = await started();
    w.provider.nextCallback = new DomainError('PROVIDER_UNAVAILABLE', 'unavailable', 'down');
    await expect(
      w.handleCallback({ provider: 'webmoney', request: rawRequest }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
  });
});
