import { describe, expect, it } from 'vitest';

import type { CreateHoldCommand } from '../domain/hold';
import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aPayment } from '../testing/payment.builder';
import { makeGetBalance } from './get-balance';
import { makeCreateHold, makeExpireHolds, makePostHold, makeVoidHold } from './holds';
import { makePostPayment } from './post-payment';
import { makeRefundPayment } from './refund-payment';

const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

function setup() {
  const settings = new InMemorySettings();
  const ledger = new InMemoryLedger(settings);
  let now = new Date('2026-11-23T12:00:00.000Z');
  const clock = { now: () => now };
  const deps = { journal: ledger, settings, clock };
  return {
    ledger,
    settings,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    createHold: makeCreateHold(deps),
    postHold: makePostHold(deps),
    voidHold: makeVoidHold(deps),
    expire: makeExpireHolds({ journal: ledger, holds: ledger, clock }),
    postPayment: makePostPayment(deps),
    refund: makeRefundPayment(deps),
    balance: () =>
      makeGetBalance({ balances: ledger })({
        merchantId: 'mer_1',
        currency: 'KGS',
        livemode: true,
      }),
  };
}

const aHold = (over: Partial<CreateHoldCommand> = {}): CreateHoldCommand => ({
  idempotencyKey: 'hold:pay_1',
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  amount: kgs(10_000n),
  method: 'card',
  provider: 'intellectmoney',
  providerPaymentId: 'im-1',
  providerAttributes: { rrn: '7' },
  orderId: 'o-1',
  description: 'Tea',
  timeoutSeconds: 60,
  occurredAt: undefined,
  livemode: true,
  ...over,
});

describe('two-phase holds', () => {
  it('holds pending, posts part with the plan’s fee, releases the rest, and can then be refunded', async () => {
    const s = setup();
    await s.settings.setFeePlan('mer_1', [{ method: 'card', percentBps: 100, fixed: [] }]);
    const held = await s.createHold(aHold());
    expect(held.expiresAt).toEqual(new Date('2026-11-23T12:01:00.000Z'));
    expect(held.transaction.postings.every((p) => p.pending)).toBe(true);
    expect(await s.balance()).toMatchObject({ available: kgs(0n), pending: kgs(10_000n) });
    expect((await s.createHold(aHold())).alreadyExisted).toBe(true);

    const posted = await s.postHold({
      idempotencyKey: 'cap',
      paymentId: 'pay_1',
      amount: kgs(6_000n),
      occurredAt: undefined,
    });
    expect(posted).toMatchObject({ fee: kgs(60n), net: kgs(5_940n), alreadyExisted: false });
    expect(posted.transaction.kind).toBe('payment');
    expect(await s.balance()).toMatchObject({ available: kgs(5_940n), pending: kgs(0n) });
    const replay = await s.postHold({
      idempotencyKey: 'cap',
      paymentId: 'pay_1',
      amount: kgs(6_000n),
      occurredAt: undefined,
    });
    expect(replay).toMatchObject({ alreadyExisted: true, fee: kgs(60n), net: kgs(5_940n) });

    await expect(
      s.refund({
        refundId: 're_1',
        paymentId: 'pay_1',
        amount: kgs(6_001n),
        reason: '',
        occurredAt: undefined,
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_REFUND_EXCEEDS_PAYMENT' });
    expect(s.ledger.events.map((e) => [e.eventType, e.sequence])).toEqual([
      ['payment.held', 1n],
      ['payment.succeeded', 2n],
    ]);
  });

  it('refuses a capture above the hold, after the timeout, of a voided hold, and a second hold or payment of the same id', async () => {
    const s = setup();
    await s.createHold(aHold());
    await expect(
      s.postHold({
        idempotencyKey: 'c1',
        paymentId: 'pay_1',
        amount: kgs(10_001n),
        occurredAt: undefined,
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_HOLD_AMOUNT_EXCEEDED' });
    await expect(s.createHold(aHold({ idempotencyKey: 'other' }))).rejects.toMatchObject({
      code: 'LEDGER_PAYMENT_ALREADY_POSTED',
    });
    await expect(s.postPayment(aPayment({ idempotencyKey: 'pp' }))).rejects.toMatchObject({
      code: 'LEDGER_PAYMENT_ALREADY_POSTED',
    });
    s.advance(61_000);
    await expect(
      s.postHold({
        idempotencyKey: 'c3',
        paymentId: 'pay_1',
        amount: undefined,
        occurredAt: undefined,
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_HOLD_EXPIRED' });
    expect(s.ledger.transactions).toHaveLength(1);
  });

  it('captures with no fee when the merchant has no plan', async () => {
    const s = setup();
    await s.createHold(aHold());
    const posted = await s.postHold({
      idempotencyKey: 'cap',
      paymentId: 'pay_1',
      amount: undefined,
      occurredAt: undefined,
    });
    expect(posted).toMatchObject({ fee: kgs(0n), net: kgs(10_000n) });
    expect(await s.balance()).toMatchObject({ available: kgs(10_000n), pending: kgs(0n) });
  });

  it('voids on request and through the sweeper once the timeout passed, exactly once', async () => {
    const s = setup();
    await s.createHold(aHold());
    await s.createHold(
      aHold({ idempotencyKey: 'hold:pay_2', paymentId: 'pay_2', timeoutSeconds: 3600 }),
    );
    expect(await s.expire()).toBe(0);
    s.advance(61_000);
    expect(await s.expire()).toBe(1);
    expect(await s.expire()).toBe(0);
    expect(s.ledger.payments.get('pay_1')?.status).toBe('voided');
    expect(s.ledger.payments.get('pay_2')?.status).toBe('held');
    await s.voidHold({ idempotencyKey: 'v2', paymentId: 'pay_2', reason: 'cancelled' });
    await expect(
      s.voidHold({ idempotencyKey: 'v3', paymentId: 'pay_2', reason: '' }),
    ).rejects.toMatchObject({
      code: 'LEDGER_HOLD_NOT_PENDING',
    });
    expect(await s.balance()).toMatchObject({ available: kgs(0n), pending: kgs(0n) });
    expect(
      s.ledger.events
        .filter((e) => e.eventType === 'payment.hold_voided')
        .map((e) => [e.paymentId, e.sequence]),
    ).toEqual([
      ['pay_1', 2n],
      ['pay_2', 2n],
    ]);
  });

  it('refuses a timeout outside 1 s .. 30 days', async () => {
    const s = setup();
    await expect(s.createHold(aHold({ timeoutSeconds: 0 }))).rejects.toMatchObject({
      details: { field: 'timeout_seconds' },
    });
    await expect(s.createHold(aHold({ timeoutSeconds: 30 * 24 * 3600 + 1 }))).rejects.toMatchObject(
      { details: { field: 'timeout_seconds' } },
    );
  });

  it('refuses a payment id with no room left for the key its expiry is voided with', async () => {
    const s = setup();
    // 243 characters: `hold:${id}:expired` would pass the 255 of every idempotency key.
    const paymentId = `pay_${'x'.repeat(239)}`;
    await expect(s.createHold(aHold({ paymentId }))).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field: 'payment_id' },
    });
    await expect(s.createHold(aHold({ paymentId: paymentId.slice(1) }))).resolves.toBeDefined();
  });
});
