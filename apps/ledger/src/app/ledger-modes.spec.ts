import { describe, expect, it } from 'vitest';

import type { Transaction } from '../domain/journal';
import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aPayment } from '../testing/payment.builder';
import { makeGetBalance, makeListAccounts } from './get-balance';
import { makeCreateHold, makePostHold, makeVoidHold } from './holds';
import { makePostPayment } from './post-payment';
import { makePostPayout } from './post-payout';
import { makePostTransaction } from './post-transaction';
import { makeRefundPayment, makeResolveRefund } from './refund-payment';
import { makeApplyUnappliedFunds, makeHoldUnappliedFunds } from './unapplied-funds';

const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

function setup() {
  const settings = new InMemorySettings();
  const ledger = new InMemoryLedger(settings);
  const clock = { now: () => new Date('2026-12-07T12:00:00.000Z') };
  const deps = { journal: ledger, settings, clock };
  const getBalance = makeGetBalance({ balances: ledger });
  return {
    ledger,
    postPayment: makePostPayment(deps),
    payout: (amountMinor: bigint, livemode: boolean, key = `po:${livemode}:${amountMinor}`) =>
      makePostPayout(deps)({
        idempotencyKey: key,
        merchantId: 'mer_1',
        amount: kgs(amountMinor),
        description: 'weekly',
        livemode,
      }),
    refund: makeRefundPayment(deps),
    resolveRefund: makeResolveRefund(deps),
    createHold: makeCreateHold(deps),
    postHold: makePostHold(deps),
    voidHold: makeVoidHold(deps),
    holdUnapplied: makeHoldUnappliedFunds(deps),
    applyUnapplied: makeApplyUnappliedFunds(deps),
    transfer: makePostTransaction({ journal: ledger, balances: ledger }),
    listAccounts: makeListAccounts({ balances: ledger }),
    balance: (livemode: boolean) => getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode }),
    available: async (livemode: boolean) =>
      (await getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode })).available.amountMinor,
    /** The modes of the accounts a transaction posted to. */
    modesOf: (t: Transaction) => t.postings.map((p) => ledger.accountById(p.accountId)?.livemode),
  };
}

describe('test and live money (in-memory ledger)', () => {
  it('keeps a test and a live payment of one merchant and currency in two balances', async () => {
    const s = setup();
    const test = await s.postPayment(aPayment({ paymentId: 'pay_t', livemode: false }));
    const live = await s.postPayment(
      aPayment({ idempotencyKey: 'k_live', paymentId: 'pay_l', livemode: true }),
    );
    expect(await s.balance(false)).toEqual({
      available: kgs(10_000n),
      pending: kgs(0n),
      livemode: false,
    });
    expect(await s.available(true)).toBe(10_000n);
    expect(s.modesOf(test.transaction)).toEqual([false, false]);
    expect(s.modesOf(live.transaction)).toEqual([true, true]);
    const testIds = new Set(test.transaction.postings.map((p) => p.accountId));
    expect(live.transaction.postings.some((p) => testIds.has(p.accountId))).toBe(false);
    const listed = await s.listAccounts({
      ownerType: 'merchant',
      ownerId: 'mer_1',
      currency: '',
      livemode: false,
    });
    expect(listed.map((a) => [a.purpose, a.livemode])).toEqual([['available', false]]);
  });

  it('refuses a live payout that only test money would cover; a test payout moves test money only', async () => {
    const s = setup();
    await s.postPayment(aPayment({ paymentId: 'pay_t', livemode: false }));
    await s.postPayment(aPayment({ idempotencyKey: 'k_live', paymentId: 'pay_l', livemode: true }));
    await expect(s.payout(15_000n, true)).rejects.toMatchObject({
      code: 'LEDGER_INSUFFICIENT_FUNDS',
    });
    const test = await s.payout(4_000n, false);
    expect(test.livemode).toBe(false);
    expect(s.modesOf(test.transaction)).toEqual([false, false]);
    expect(await s.available(false)).toBe(6_000n);
    expect(await s.available(true)).toBe(10_000n);
    await expect(s.payout(7_000n, false)).rejects.toMatchObject({
      code: 'LEDGER_INSUFFICIENT_FUNDS',
    });
    // The same key in the other mode is another payout: a conflict, never a replay.
    await expect(s.payout(4_000n, true, 'po:false:4000')).rejects.toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      details: { field: 'livemode' },
    });
  });

  it('refunds, captures and voids a test payment in test accounts only', async () => {
    const s = setup();
    await s.postPayment(aPayment({ paymentId: 'pay_t', livemode: false }));
    const refund = await s.refund({
      refundId: 're_1',
      paymentId: 'pay_t',
      amount: kgs(1_000n),
      reason: 'asked',
      occurredAt: undefined,
    });
    expect(s.modesOf(refund.transaction)).toEqual([false, false]);
    const resolved = await s.resolveRefund({
      refundId: 're_1',
      outcome: 'refunded_by_provider',
      reference: 'wm-r-1',
      occurredAt: undefined,
    });
    expect(s.modesOf(resolved.transaction)).toEqual([false, false]);

    const hold = (paymentId: string) =>
      s.createHold({
        ...aPayment({ paymentId, livemode: false }),
        idempotencyKey: `hold:${paymentId}`,
        amount: kgs(3_000n),
        timeoutSeconds: 60,
      });
    expect(s.modesOf((await hold('pay_h1')).transaction)).toEqual([false, false]);
    expect((await s.balance(false)).pending).toEqual(kgs(3_000n));
    const captured = await s.postHold({
      idempotencyKey: 'capture:pay_h1',
      paymentId: 'pay_h1',
      amount: undefined,
      occurredAt: undefined,
    });
    expect(new Set(s.modesOf(captured.transaction))).toEqual(new Set([false]));
    await hold('pay_h2');
    const voided = await s.voidHold({
      idempotencyKey: 'void:pay_h2',
      paymentId: 'pay_h2',
      reason: 'x',
    });
    expect(s.modesOf(voided.transaction)).toEqual([false, false]);
    expect(await s.balance(false)).toMatchObject({
      available: kgs(9_000n + 3_000n),
      pending: kgs(0n),
    });
    expect(await s.balance(true)).toMatchObject({ available: kgs(0n), pending: kgs(0n) });
    expect(s.ledger.accounts.size).toBeGreaterThan(0);
    expect([...s.ledger.accounts.values()].every((a) => !a.livemode)).toBe(true);
  });

  it('moves the money of a payment from before modes where it is: the live accounts', async () => {
    const s = setup();
    await s.postPayment(aPayment({ paymentId: 'pay_old', livemode: true }));
    // As the migration leaves it: a test payment whose money is in the (now live) old accounts.
    const old = s.ledger.payments.get('pay_old');
    if (!old) throw new Error('pay_old not registered');
    s.ledger.payments.set('pay_old', { ...old, livemode: false, accountsLivemode: true });
    const refund = await s.refund({
      refundId: 're_old',
      paymentId: 'pay_old',
      amount: kgs(2_000n),
      reason: 'asked',
      occurredAt: undefined,
    });
    expect(s.modesOf(refund.transaction)).toEqual([true, true]);
    expect(await s.available(true)).toBe(8_000n);
    // The payment stays what it was: its events say test.
    expect(s.ledger.events.at(-1)).toMatchObject({ eventType: 'refund.pending', livemode: false });
    // A case of it is held and applied in the same books.
    await s.holdUnapplied({
      ...aPayment({ paymentId: 'pay_old', livemode: false }),
      idempotencyKey: 'case:c1:hold',
      caseId: 'c1',
      caseKind: 'duplicate_payment',
      amount: kgs(500n),
    });
    const applied = await s.applyUnapplied({
      idempotencyKey: 'case:c1:apply',
      caseId: 'c1',
      operator: 'op',
      note: 'same payer',
      returnReference: '',
    });
    expect(s.modesOf(applied.transaction)).toEqual([true, true]);
    expect(await s.available(true)).toBe(8_500n);
  });

  it('refuses a transfer between test and live accounts', async () => {
    const s = setup();
    const test = await s.postPayment(aPayment({ paymentId: 'pay_t', livemode: false }));
    const live = await s.postPayment(
      aPayment({ idempotencyKey: 'k_live', paymentId: 'pay_l', livemode: true }),
    );
    const clearing = (t: Transaction) => t.postings[0]?.accountId ?? '';
    await expect(
      s.transfer({
        idempotencyKey: 'settle',
        description: 'settlement',
        postings: [
          { accountId: clearing(live.transaction), amountMinor: 100n, currency: 'KGS' },
          { accountId: clearing(test.transaction), amountMinor: -100n, currency: 'KGS' },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field: 'postings[1].account_id' },
    });
    expect(s.ledger.transactions).toHaveLength(2);
  });
});
