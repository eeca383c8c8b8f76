import { DomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { BINDING_GRACE_MS, TTL_MS, world } from '../../test/fakes/world';
import { textReply } from '../domain/provider';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function started(overrides: Parameters<ReturnType<typeof world>['created']>[0] = {}) {
  const w = world();
  const { merchant, payment } = await w.created(overrides);
  await w.startPayment({
    paymentId: payment.id,
    pageSecret: payment.pageSecret,
    method: 'webmoney_purse',
    payer: {},
  });
  const succeeded = callback({
    paymentId: payment.id,
    amount: { amountMinor: 10_000n, currency: 'USD' },
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
      // The fee the ledger applied (this merchant has no plan there).
      fee: { amountMinor: 0n, currency: 'USD' },
      succeededAt: w.clock.now(),
    });
    expect(stored?.ledgerTransactionId).toMatch(/^txn_/);
    expect(w.ledger.calls).toEqual([
      {
        idempotencyKey: `payment:${payment.id}:succeeded`,
        paymentId: payment.id,
        merchantId: payment.merchantId,
        gross: { amountMinor: 10_000n, currency: 'USD' },
        method: 'webmoney_purse',
        provider: 'webmoney',
        providerPaymentId: 'wm-777',
        providerAttributes: { payer_purse: 'Z123456789012', payer_wmid: '123456789012' },
        orderId: '1001',
        description: 'Two books',
        occurredAt: w.clock.now(),
        livemode: false,
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

  it('posts the method the payer actually used, whose fee the ledger decides', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = { ...succeeded, method: 'webmoney_keeper_mobile' };
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(await w.payments.findById(payment.id)).toMatchObject({
      method: 'webmoney_keeper_mobile',
    });
    expect(w.ledger.calls[0]?.method).toBe('webmoney_keeper_mobile');
  });

  it('accepts SUCCEEDED for a payment whose pending write has not landed (created -> succeeded)', async () => {
    const w = world();
    const { payment } = await w.created();
    w.provider.nextCallback = callback({
      paymentId: payment.id,
      amount: { amountMinor: 10_000n, currency: 'USD' },
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
    [{ amountMinor: 9_999n, currency: 'USD' }, 'amount_mismatch', 9_999n, 'USD'],
    [{ amountMinor: 10_000n, currency: 'EUR' }, 'amount_mismatch', 10_000n, 'EUR'],
    [null, 'amount_unknown', 10_000n, 'USD'],
  ] as const)(
    'holds a SUCCEEDED whose money (%o) differs under a case, before answering: nothing credited',
    async (amount, kind, heldMinor, heldCurrency) => {
      const { w, payment, succeeded } = await started();
      const before = await w.payments.findById(payment.id);
      w.provider.nextCallback = { ...succeeded, amount };
      const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
      // The money is in unapplied funds, so the provider may hear "accepted".
      expect(decode(out.reply.body)).toBe('YES');
      expect(out).toMatchObject({ paymentId: payment.id, status: 'pending' });
      expect(await w.payments.findById(payment.id)).toEqual(before);
      expect(w.ledger.calls).toHaveLength(0);
      const [opened] = [...w.caseRepo.rows.values()];
      expect(opened).toMatchObject({
        kind,
        status: 'open',
        paymentId: payment.id,
        provider: 'webmoney',
        providerPaymentId: 'wm-777',
        callbackId: 'cb_1',
        amount: { amountMinor: heldMinor, currency: heldCurrency },
        expected: { amountMinor: 10_000n, currency: 'USD' },
      });
      expect(w.ledger.unapplied.get(opened?.id ?? '')?.resolution).toBe('held');
      // The same transfer again finds the same case: one hold, one case.
      await w.handleCallback({ provider: 'webmoney', request: rawRequest });
      expect(w.caseRepo.rows.size).toBe(1);
      expect(w.ledger.unapplied.size).toBe(1);
    },
  );

  it('keeps a transfer that opened a case as that case when it is confirmed later: never settled beside it', async () => {
    const { w, payment, succeeded } = await started();
    // The provider first reports the transfer without an amount: a case holds the payment's.
    w.provider.nextCallback = { ...succeeded, amount: null };
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    const [opened] = [...w.caseRepo.rows.values()];
    expect(opened?.kind).toBe('amount_unknown');
    // Then the same transfer with the payment's exact amount: still the case's money.
    w.provider.nextCallback = { ...succeeded, callbackId: 'cb_2' };
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(decode(out.reply.body)).toBe('YES');
    expect((await w.payments.findById(payment.id))?.status).toBe('pending');
    expect(w.ledger.calls).toHaveLength(0);
    expect(w.caseRepo.rows.size).toBe(1);
    expect(w.ledger.unapplied.size).toBe(1);
  });

  it('answers retry while the ledger cannot hold a case, and the case sweeper holds it later', async () => {
    const { w, payment, succeeded } = await started();
    w.ledger.down = true;
    w.provider.nextCallback = { ...succeeded, amount: { amountMinor: 1n, currency: 'USD' } };
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out.reply).toEqual(textReply(503, 'PROVIDER_UNAVAILABLE'));
    const [opened] = [...w.caseRepo.rows.values()];
    expect(opened?.status).toBe('opening');
    w.ledger.down = false;
    w.clock.advance(10_000);
    expect(await w.cases.sweepOpening(5_000)).toBe(1);
    expect(w.caseRepo.rows.get(opened?.id ?? '')?.status).toBe('open');
    expect((await w.payments.findById(payment.id))?.status).toBe('pending');
  });

  it('sweeps opening cases until the ledger cannot be asked; a refused hold waits before it is asked again', async () => {
    const { w, payment } = await started();
    const other = (await w.created({ idempotencyKey: 'order-2', orderId: 'order-2' })).payment;
    await w.startPayment({
      paymentId: other.id,
      pageSecret: other.pageSecret,
      method: 'webmoney_purse',
      payer: {},
    });
    w.ledger.down = true;
    // Money that does not match either payment: a case each, opening while the ledger is away.
    for (const p of [payment, other]) {
      w.provider.nextCallback = callback({
        paymentId: p.id,
        providerPaymentId: `wm-${p.id}`,
        amount: { amountMinor: 1n, currency: 'USD' },
      });
      await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    }
    expect([...w.caseRepo.rows.values()].map((c) => c.status)).toEqual(['opening', 'opening']);
    const asked = () =>
      w.log.lines.filter(
        (l) => l.msg === 'ledger did not hold the case money yet; the provider is asked to retry',
      ).length;
    let before = asked();
    w.clock.advance(10_000);
    // Unreachable: the first case answers so, and the sweep stops there.
    expect(await w.cases.sweepOpening(5_000)).toBe(0);
    expect(asked() - before).toBe(1);

    // An operator cannot resolve a case whose money the ledger does not hold yet.
    const [first] = [...w.caseRepo.rows.values()];
    const resolve = [
      () => w.cases.apply({ caseId: first!.id, operator: 'ops', note: '' }),
      () =>
        w.cases.giveBack({ caseId: first!.id, operator: 'ops', note: '', returnReference: 'R' }),
    ];
    for (const attempt of resolve) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'CHECKOUT_UPSTREAM_UNAVAILABLE',
        retriable: true,
      });
    }

    // Back, but refusing the first case's hold: the second is held all the same.
    w.ledger.down = false;
    w.ledger.refusing.add(payment.id);
    for (const attempt of resolve) {
      await expect(attempt()).rejects.toMatchObject({ code: 'CHECKOUT_UPSTREAM_UNAVAILABLE' });
    }
    expect((await w.caseRepo.findById(first!.id))?.status).toBe('opening');
    before = asked();
    expect(await w.cases.sweepOpening(5_000)).toBe(1);
    expect(asked() - before).toBe(1);
    // The refused one is not asked again for 10 s.
    expect(await w.cases.sweepOpening(5_000)).toBe(0);
    expect(asked() - before).toBe(1);
    w.ledger.refusing.delete(payment.id);
    w.clock.advance(10_000);
    expect(await w.cases.sweepOpening(5_000)).toBe(1);
    expect([...w.caseRepo.rows.values()].map((c) => c.status)).toEqual(['open', 'open']);
  });

  it.each(['failed', 'expired', 'canceled'] as const)(
    'holds a late success for a %s payment as a case; applying it credits the merchant and succeeds the payment',
    async (status) => {
      const { w, payment, succeeded } = await started();
      const stored = (await w.payments.findById(payment.id))!;
      w.payments.rows.set(payment.id, { ...stored, status });
      w.provider.nextCallback = succeeded;
      const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
      expect(decode(out.reply.body)).toBe('YES');
      expect(out.status).toBe(status);
      const [opened] = [...w.caseRepo.rows.values()];
      expect(opened).toMatchObject({ kind: 'late_payment', status: 'open', paymentStatus: status });

      const applied = await w.cases.apply({ caseId: opened!.id, operator: 'ops', note: 'ok' });
      expect(applied.status).toBe('applied');
      expect(await w.payments.findById(payment.id)).toMatchObject({
        status: 'succeeded',
        ledgerTransactionId: `txn_applied_${opened!.id}`,
      });
      // Applying again answers the applied case; returning it now is refused.
      expect((await w.cases.apply({ caseId: opened!.id, operator: 'ops', note: '' })).status).toBe(
        'applied',
      );
      await expect(
        w.cases.giveBack({ caseId: opened!.id, operator: 'ops', note: '', returnReference: 'R' }),
      ).rejects.toMatchObject({ code: 'CASE_ALREADY_RESOLVED' });
      // Nothing is posted to the ledger twice: the case's money is the payment's posting.
      await w.sweepUnposted();
      expect(w.ledger.calls).toHaveLength(0);
      expect((await w.caseRepo.audit(opened!.id)).map((e) => e.action)).toEqual([
        'opened',
        'held',
        'applied',
      ]);
    },
  );

  it('holds a second transfer for a paid payment as duplicate_payment; a resend of the first is no case', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(w.caseRepo.rows.size).toBe(0);
    w.provider.nextCallback = { ...succeeded, providerPaymentId: 'wm-888', callbackId: 'cb_2' };
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(decode(out.reply.body)).toBe('YES');
    const [opened] = [...w.caseRepo.rows.values()];
    expect(opened).toMatchObject({ kind: 'duplicate_payment', providerPaymentId: 'wm-888' });
    const returned = await w.cases.giveBack({
      caseId: opened!.id,
      operator: 'ops',
      note: 'paid twice',
      returnReference: 'WM-BACK-1',
    });
    expect(returned).toMatchObject({ status: 'returned', returnReference: 'WM-BACK-1' });
    const again = { caseId: opened!.id, operator: 'ops', note: '', returnReference: 'WM-BACK-1' };
    expect(await w.cases.giveBack(again)).toMatchObject({ status: 'returned' });
    // Another transfer back for the same money is refused: the payer would be paid twice.
    await expect(
      w.cases.giveBack({ ...again, returnReference: 'WM-BACK-2' }),
    ).rejects.toMatchObject({
      code: 'CASE_ALREADY_RESOLVED',
      details: { field: 'return_reference' },
    });
    expect((await w.payments.findById(payment.id))?.status).toBe('succeeded');
    await expect(
      w.cases.giveBack({ caseId: opened!.id, operator: '', note: '', returnReference: 'X' }),
    ).rejects.toMatchObject({ code: 'CASE_INVALID_REQUEST' });
  });

  it('answers 503 retry when the ledger is down; the payment stays succeeded and unposted until a resend', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    // Its pending fact reached the ledger; then the ledger goes away before the money does.
    await w.recordStatusEvents.forPayment(payment.id);
    w.ledger.down = true;
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out.reply).toEqual(textReply(503, 'PROVIDER_UNAVAILABLE'));
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
    // The retry is the identical request: same key, same occurred_at, and no fee in either.
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
      amount: { amountMinor: 1n, currency: 'USD' },
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
      amount: { amountMinor: 10_000n, currency: 'USD' },
    });
    w.provider.nextCallback = precheck;
    expect(
      decode((await w.handleCallback({ provider: 'webmoney', request: rawRequest })).reply.body),
    ).toBe('YES');
    w.provider.nextCallback = { ...precheck, amount: { amountMinor: 1n, currency: 'USD' } };
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

  it('sends no fee and stores the fee the ledger applied as the payment’s only fee', async () => {
    const { w, payment, succeeded } = await started();
    w.ledger.planFee = money(150n, 'USD');
    w.provider.nextCallback = succeeded;
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(w.ledger.calls[0]).not.toHaveProperty('fee');
    expect(await w.payments.findById(payment.id)).toMatchObject({ fee: money(150n, 'USD') });
    expect(await w.payments.findById(payment.id)).not.toHaveProperty('ledgerFee');
  });
});

describe('handleProviderCallback: manual review', () => {
  const review = (paymentId: string) =>
    callback({
      paymentId,
      outcome: 'manual_review',
      method: 'wavepay',
      providerPaymentId: '',
      attributes: { wavepay_key1: '123' },
      reasonCode: 'PROVIDER_POSSIBLE_TRANSACTION',
      reply: textReply(200, '{"status":"ok"}'),
    });

  it('moves a pending payment to requires_review, once; a repeat changes nothing', async () => {
    const { w, payment } = await started();
    w.provider.nextCallback = review(payment.id);
    const out = await w.handleCallback({ provider: 'paykassma', request: rawRequest });
    expect(out).toMatchObject({ paymentId: payment.id, status: 'requires_review' });
    expect(decode(out.reply.body)).toBe('{"status":"ok"}');
    expect(await w.payments.findById(payment.id)).toMatchObject({
      status: 'requires_review',
      providerAttributes: { wavepay_key1: '123' },
    });
    expect(w.payments.transitions.at(-1)).toMatchObject({
      from: 'pending',
      to: 'requires_review',
      reason: 'callback cb_1 PROVIDER_POSSIBLE_TRANSACTION',
    });
    const writes = w.payments.writes;
    const again = await w.handleCallback({ provider: 'paykassma', request: rawRequest });
    expect(again.status).toBe('requires_review');
    expect(w.payments.writes).toBe(writes);
    expect(w.ledger.calls).toHaveLength(0);
  });

  it('is never expired, and a later SUCCEEDED postback settles it and posts it', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = review(payment.id);
    await w.handleCallback({ provider: 'paykassma', request: rawRequest });
    w.clock.advance(TTL_MS * 30);
    expect(await w.expirePayments()).toBe(0);

    w.provider.nextCallback = succeeded;
    const out = await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    expect(out.status).toBe('succeeded');
    expect(w.payments.transitions.at(-1)).toMatchObject({
      from: 'requires_review',
      to: 'succeeded',
    });
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('can be resolved to failed by a later FAILED postback', async () => {
    const { w, payment } = await started();
    w.provider.nextCallback = review(payment.id);
    await w.handleCallback({ provider: 'paykassma', request: rawRequest });
    w.provider.nextCallback = callback({ paymentId: payment.id, outcome: 'failed' });
    const out = await w.handleCallback({ provider: 'paykassma', request: rawRequest });
    expect(out.status).toBe('failed');
  });

  it('refuses MANUAL_REVIEW for a final payment: unchanged, logged', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = succeeded;
    await w.handleCallback({ provider: 'webmoney', request: rawRequest });
    const before = await w.payments.findById(payment.id);
    w.provider.nextCallback = review(payment.id);
    const out = await w.handleCallback({ provider: 'paykassma', request: rawRequest });
    expect(out.status).toBe('succeeded');
    expect(await w.payments.findById(payment.id)).toEqual(before);
    expect(
      w.log.lines.some(
        (l) => l.level === 'error' && (l.obj as { code?: string }).code === 'PAYMENT_ALREADY_FINAL',
      ),
    ).toBe(true);
  });
});

describe('handleProviderCallback: card bindings', () => {
  const binding = { bindingRef: 'im-inv-555', state: 'activated' as const, cardLast4: '4242' };

  it('records a reported binding with the recurring service after the transition', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = { ...succeeded, cardBinding: binding };
    const out = await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(out.status).toBe('succeeded');
    expect(w.recurring.calls).toEqual([
      {
        merchantId: payment.merchantId,
        paymentId: payment.id,
        binding,
        firstAmount: money(10_000n, 'USD'),
        customerRef: '',
        cardExpiry: '',
        livemode: false,
      },
    ]);
    expect(w.bindings.rows.get(payment.id)).toMatchObject({
      recordedAt: w.clock.now(),
      attempts: 0,
    });
    // A duplicate callback does not call recurring again.
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(w.recurring.calls).toHaveLength(1);
  });

  it("gives the binding the payment's customer reference and mode, and a reported card expiry", async () => {
    const { w, payment, succeeded } = await started({ customerRef: 'cust-42', livemode: true });
    w.provider.nextCallback = {
      ...succeeded,
      attributes: { ...succeeded.attributes, card_expiry: '09/29' },
      cardBinding: binding,
    };
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(w.recurring.calls).toMatchObject([
      { paymentId: payment.id, customerRef: 'cust-42', cardExpiry: '09/29', livemode: true },
    ]);
  });

  it('sends no card expiry when the provider reported none or something that is not MM/YY', async () => {
    const { w, succeeded } = await started({ customerRef: 'cust-43' });
    w.provider.nextCallback = {
      ...succeeded,
      attributes: { ...succeeded.attributes, card_expiry: '2029-09' },
      cardBinding: binding,
    };
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(w.recurring.calls).toMatchObject([{ customerRef: 'cust-43', cardExpiry: '' }]);
  });

  it('answers the provider normally while recurring is down, and the sweeper records it later', async () => {
    const { w, payment, succeeded } = await started();
    w.recurring.down = true;
    w.provider.nextCallback = { ...succeeded, cardBinding: binding };
    const out = await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(decode(out.reply.body)).toBe('YES');
    expect(out.status).toBe('succeeded');
    expect(w.bindings.rows.get(payment.id)).toMatchObject({
      recordedAt: null,
      attempts: 1,
      lastError: 'UPSTREAM_UNAVAILABLE',
    });

    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 0 });
    w.clock.advance(1_000);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 1 });
    expect(w.bindings.rows.get(payment.id)?.attempts).toBe(2);

    w.recurring.down = false;
    w.clock.advance(2_000);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 1, failed: 0 });
    expect(w.recurring.recorded.get(payment.id)).toMatchObject({ binding });
    expect(w.bindings.rows.get(payment.id)?.recordedAt).not.toBeNull();
    expect(await w.sweepCardBindings()).toEqual({ recorded: 0, failed: 0 });
  });

  it('records a binding whose state is error too, and none for a refused amount', async () => {
    const { w, payment, succeeded } = await started();
    w.provider.nextCallback = {
      ...succeeded,
      amount: { amountMinor: 1n, currency: 'USD' },
      cardBinding: binding,
    };
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(w.bindings.rows.size).toBe(0);
    expect(w.recurring.calls).toHaveLength(0);

    // Another transfer, of the right amount, settles the payment and reports the binding.
    w.provider.nextCallback = {
      ...succeeded,
      providerPaymentId: 'wm-778',
      cardBinding: { bindingRef: '', state: 'error', cardLast4: '' },
    };
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(w.recurring.calls).toEqual([
      expect.objectContaining({
        paymentId: payment.id,
        binding: { bindingRef: '', state: 'error', cardLast4: '' },
      }),
    ]);
  });

  it('leaves a new binding to the immediate attempt for the grace period', async () => {
    const { w, payment, succeeded } = await started();
    const attempt = w.recurring.recordCardBinding.bind(w.recurring);
    let crash = true;
    // The process "stops" between storing the binding and calling recurring.
    w.recurring.recordCardBinding = async (input) => {
      if (crash) {
        crash = false;
        throw new Error('process stopped');
      }
      return attempt(input);
    };
    w.provider.nextCallback = { ...succeeded, cardBinding: binding };
    await w.handleCallback({ provider: 'intellectmoney', request: rawRequest });
    expect(w.bindings.rows.get(payment.id)?.lastError).toBe('UNKNOWN');
    w.clock.advance(BINDING_GRACE_MS);
    expect(await w.sweepCardBindings()).toEqual({ recorded: 1, failed: 0 });
  });
});
