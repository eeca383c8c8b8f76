import { DomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { chargeAnswer } from '../../test/fakes/in-memory';
import { world } from '../../test/fakes/world';
import type { ChargeBoundCardInput } from '../domain/bound-card-charge';

async function cardMerchant(enabledMethods: ('card' | 'webmoney_purse')[] = ['card']) {
  const w = world();
  const { merchant } = await w.merchant({ enabledMethods, feeRules: [] });
  w.ledger.planFee = money(750n, 'RUB');
  const input = (overrides: Partial<ChargeBoundCardInput> = {}): ChargeBoundCardInput => ({
    merchantId: merchant.id,
    idempotencyKey: 'sop_1:2026-12-01T09:00:00Z:1',
    bindingRef: 'im-inv-555',
    amountMinor: 25_000n,
    currency: 'RUB',
    description: 'Monthly plan',
    orderId: 'sub-7',
    metadata: { recurring_operation_id: 'sop_1' },
    livemode: false,
    customerRef: 'cust-42',
    ...overrides,
  });
  return { w, merchant, input };
}

const decline = (code: string, kind: 'soft' | 'hard') =>
  chargeAnswer({
    outcome: 'failed',
    declineCode: code,
    declineKind: kind,
    providerPaymentId: '',
    reasonCode: 'PROVIDER_CARD_DECLINED',
  });

describe('chargeBoundCard', () => {
  it('creates a scheduled card payment, charges the binding once and posts the success to the ledger', async () => {
    const { w, merchant, input } = await cardMerchant();
    const out = await w.chargeBoundCard(input());
    const payment = out.view.payment;
    expect(out).toMatchObject({
      replayed: false,
      declineCode: '',
      declineKind: '',
      reasonCode: '',
    });
    expect(payment).toMatchObject({
      merchantId: merchant.id,
      status: 'succeeded',
      method: 'card',
      provider: 'intellectmoney',
      initiator: 'scheduled',
      customerRef: 'cust-42',
      livemode: false,
      amount: money(25_000n, 'RUB'),
      description: 'Monthly plan',
      orderId: 'sub-7',
      metadata: { recurring_operation_id: 'sop_1' },
      providerPaymentId: 'im-inv-9001',
      fee: money(750n, 'RUB'),
    });
    expect(w.provider.chargeCalls).toEqual([
      {
        idempotencyKey: `bound-card:${payment.id}`,
        merchantId: merchant.id,
        bindingRef: 'im-inv-555',
        amount: money(25_000n, 'RUB'),
        description: 'Monthly plan',
        paymentId: payment.id,
      },
    ]);
    expect(w.ledger.calls).toHaveLength(1);
    expect(w.ledger.calls[0]).toMatchObject({
      paymentId: payment.id,
      gross: money(25_000n, 'RUB'),
      method: 'card',
      provider: 'intellectmoney',
    });
    expect(w.payments.transitions.map((t) => [t.from, t.to])).toEqual([
      [null, 'pending'],
      ['pending', 'succeeded'],
    ]);
  });

  it('fails the payment on a soft decline with the scheme code 51 and kind soft', async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = decline('51', 'soft');
    const out = await w.chargeBoundCard(input());
    expect(out).toMatchObject({
      declineCode: '51',
      declineKind: 'soft',
      reasonCode: 'PROVIDER_CARD_DECLINED',
    });
    expect(out.view.payment).toMatchObject({ status: 'failed', failureCode: '51' });
    expect(w.ledger.calls).toHaveLength(0);
    const failed = w.payments.transitions.find((t) => t.to === 'failed');
    expect(failed?.event).toMatchObject({ eventType: 'payment.failed', failureCode: '51' });
  });

  it("answers the decline's code even when the provider's notification failed the payment first", async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = decline('54', 'hard');
    // IntellectMoney's status-4 notification carries no code and can win the race.
    w.provider.beforeChargeAnswer = async ({ paymentId }) => {
      const current = await w.payments.findById(paymentId);
      if (!current) throw new Error('the charge has no payment');
      const failed = await w.payments.update(
        { ...current, status: 'failed', failureCode: 'PROVIDER_CARD_DECLINED' },
        current.version,
        null,
      );
      expect(failed?.status).toBe('failed');
    };
    const out = await w.chargeBoundCard(input());
    expect(out.view.payment.status).toBe('failed');
    expect(out).toMatchObject({ declineCode: '54', declineKind: 'hard' });
  });

  it('fails the payment on a hard decline with 54 and kind hard, and a replay answers the same', async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = decline('54', 'hard');
    const first = await w.chargeBoundCard(input());
    expect(first).toMatchObject({ declineCode: '54', declineKind: 'hard' });
    const again = await w.chargeBoundCard(input());
    expect(again).toMatchObject({
      replayed: true,
      declineCode: '54',
      declineKind: 'hard',
      reasonCode: 'PROVIDER_CARD_DECLINED',
    });
    expect(again.view.payment.id).toBe(first.view.payment.id);
    // Final: answered from the stored payment, the adapters are not asked again.
    expect(w.provider.chargeCalls).toHaveLength(1);
  });

  it('leaves a pending charge pending; a replay with the same key asks again and settles it', async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = chargeAnswer({
      outcome: 'pending',
      providerPaymentId: '',
      reasonCode: '',
    });
    const first = await w.chargeBoundCard(input());
    expect(first.view.payment.status).toBe('pending');
    expect(first.reasonCode).toBe('PROVIDER_CHARGE_PENDING');
    expect(first.view.payment.providerAttributes).toMatchObject({
      provider_operation_id: 'op-guid-1',
    });
    expect(w.ledger.calls).toHaveLength(0);

    w.provider.nextCharge = chargeAnswer();
    const settled = await w.chargeBoundCard(input());
    expect(settled.replayed).toBe(true);
    expect(settled.view.payment).toMatchObject({ id: first.view.payment.id, status: 'succeeded' });
    expect(w.provider.charged).toEqual([`bound-card:${first.view.payment.id}`]);
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('answers a replay after success from the stored payment: no second charge, no second post', async () => {
    const { w, input } = await cardMerchant();
    const first = await w.chargeBoundCard(input());
    const writes = w.payments.writes;
    const again = await w.chargeBoundCard(input());
    expect(again.replayed).toBe(true);
    expect(again.view.payment).toEqual(await w.payments.findById(first.view.payment.id));
    expect(again.view.payment).toMatchObject({ status: 'succeeded', fee: money(750n, 'RUB') });
    expect(w.provider.chargeCalls).toHaveLength(1);
    expect(w.ledger.calls).toHaveLength(1);
    expect(w.payments.writes).toBe(writes);
  });

  it('refuses another request under a used key with IDEMPOTENCY_KEY_REUSED naming the field', async () => {
    const { w, input } = await cardMerchant();
    await w.chargeBoundCard(input());
    const rows = w.payments.rows.size;
    await expect(w.chargeBoundCard(input({ amountMinor: 30_000n }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      details: { field: 'amount' },
    });
    await expect(w.chargeBoundCard(input({ bindingRef: 'im-inv-556' }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'binding_ref' },
    });
    await expect(w.chargeBoundCard(input({ customerRef: 'cust-43' }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { field: 'customer_ref' },
    });
    // A CreatePayment under the same key is never a replay of the charge.
    await expect(
      w.createPayment(
        w.paymentInput(input().merchantId, {
          idempotencyKey: input().idempotencyKey,
          currency: 'RUB',
        }),
      ),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(w.payments.rows.size).toBe(rows);
    expect(w.provider.chargeCalls).toHaveLength(1);
  });

  it('refuses a bad request before writing or charging anything', async () => {
    const { w, input } = await cardMerchant();
    const cases: [Partial<ChargeBoundCardInput>, object][] = [
      [
        { idempotencyKey: '' },
        { code: 'IDEMPOTENCY_KEY_REQUIRED', details: { field: 'idempotency_key' } },
      ],
      [{ amountMinor: 0n }, { code: 'MONEY_ZERO_AMOUNT' }],
      [{ amountMinor: -5n }, { code: 'MONEY_NEGATIVE_AMOUNT' }],
      [{ currency: 'rub' }, { kind: 'invalid' }],
      [{ bindingRef: ' ' }, { code: 'PAYMENT_INVALID_REQUEST', details: { field: 'binding_ref' } }],
      [{ customerRef: 'x'.repeat(191) }, { details: { field: 'customer_ref' } }],
      [{ currency: 'MMK' }, { code: 'PAYMENT_METHOD_UNAVAILABLE', details: { field: 'currency' } }],
      [{ merchantId: 'mer_unknown' }, { code: 'MERCHANT_NOT_FOUND' }],
    ];
    for (const [overrides, error] of cases) {
      await expect(w.chargeBoundCard(input(overrides))).rejects.toMatchObject(error);
    }
    expect(w.payments.rows.size).toBe(0);
    expect(w.provider.chargeCalls).toHaveLength(0);
  });

  it('refuses a charge for a merchant without cards enabled', async () => {
    const { w, input } = await cardMerchant(['webmoney_purse']);
    await expect(w.chargeBoundCard(input())).rejects.toMatchObject({
      code: 'PAYMENT_METHOD_NOT_ENABLED',
      details: { method: 'card' },
    });
    expect(w.payments.rows.size).toBe(0);
  });

  it("fails the payment with the adapters' code when they refuse before charging (inactive binding)", async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = new DomainError(
      'PROVIDER_BINDING_INACTIVE',
      'precondition',
      'the card binding was not activated',
    );
    const out = await w.chargeBoundCard(input());
    expect(out).toMatchObject({
      declineCode: '',
      declineKind: '',
      reasonCode: 'PROVIDER_BINDING_INACTIVE',
    });
    expect(out.view.payment).toMatchObject({
      status: 'failed',
      failureCode: 'PROVIDER_BINDING_INACTIVE',
    });
  });

  it('keeps the payment pending when the adapters do not answer; the same key charges it later, once', async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'adapters down');
    const first = await w.chargeBoundCard(input());
    expect(first.view.payment.status).toBe('pending');
    expect(first.reasonCode).toBe('UPSTREAM_UNAVAILABLE');
    // The pending payment is what the reconciler asks the adapters about meanwhile.
    expect(await w.payments.listPendingSince(new Date(8.64e15), null, 10)).toHaveLength(1);

    w.provider.nextCharge = chargeAnswer();
    const again = await w.chargeBoundCard(input());
    expect(again.view.payment).toMatchObject({ id: first.view.payment.id, status: 'succeeded' });
    expect(w.provider.charged).toHaveLength(1);
    expect(w.ledger.calls).toHaveLength(1);
  });

  it('turns a success the adapters report for an expired charge into a case, never lost', async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = chargeAnswer({ outcome: 'pending', providerPaymentId: '' });
    const first = await w.chargeBoundCard(input());
    w.clock.advance(2 * 60 * 60 * 1000);
    await w.expirePayments();
    expect((await w.payments.findById(first.view.payment.id))?.status).toBe('expired');

    w.provider.nextCharge = chargeAnswer();
    const late = await w.chargeBoundCard(input());
    expect(late.view.payment.status).toBe('expired');
    expect(late.reasonCode).toBe('CHECKOUT_CASE_OPENED');
    expect([...w.ledger.unapplied.values()]).toEqual([
      { amount: money(25_000n, 'RUB'), resolution: 'held' },
    ]);
  });

  it('a charge left pending (no replay came) is settled by the reconciler, then replays answer it', async () => {
    const { w, input } = await cardMerchant();
    w.provider.nextCharge = chargeAnswer({ outcome: 'pending', providerPaymentId: '' });
    const first = await w.chargeBoundCard(input());
    const id = first.view.payment.id;
    w.provider.statuses.set(id, {
      provider: 'intellectmoney',
      method: 'card',
      outcome: 'succeeded',
      providerPaymentId: 'im-inv-9001',
      amount: money(25_000n, 'RUB'),
      attributes: {},
      checkedWithProvider: true,
    });
    w.clock.advance(20 * 60 * 1000);
    await w.reconcile();
    expect(await w.payments.findById(id)).toMatchObject({ status: 'succeeded' });
    expect(w.ledger.calls).toHaveLength(1);

    const replay = await w.chargeBoundCard(input());
    expect(replay).toMatchObject({
      replayed: true,
      view: { payment: { id, status: 'succeeded' } },
    });
    expect(w.provider.chargeCalls).toHaveLength(1);
    expect(w.ledger.calls).toHaveLength(1);
  });
});
