import { describe, expect, it } from 'vitest';

import { shardOf } from '../domain/accounts';
import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aFlatFeeRule, aPayment } from '../testing/payment.builder';
import { makeGetBalance } from './get-balance';
import { makePostPayment } from './post-payment';
import { makePostPayout } from './post-payout';
import { makePostTransaction } from './post-transaction';
import { makeRefundPayment } from './refund-payment';
import { makeReverseTransaction } from './reverse-transaction';

const now = new Date('2026-11-23T12:00:00.000Z');
const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

/** mer_1 pays a flat 2.50 KGS per Keeper Mobile payment, unless a test needs no fee at all. */
function setup({ withoutFeePlan = false } = {}) {
  const settings = new InMemorySettings();
  if (!withoutFeePlan) {
    void settings.setFeePlan('mer_1', [aFlatFeeRule()]);
  }
  const ledger = new InMemoryLedger(settings);
  const clock = { now: () => now };
  return {
    ledger,
    settings,
    postPayment: makePostPayment({ journal: ledger, settings, clock }),
    refund: makeRefundPayment({ journal: ledger, clock }),
    payout: makePostPayout({ journal: ledger, clock }),
    reverse: makeReverseTransaction({ journal: ledger, clock }),
    transfer: makePostTransaction({ journal: ledger, balances: ledger }),
    available: async (merchantId = 'mer_1') =>
      (await makeGetBalance({ balances: ledger })({ merchantId, currency: 'KGS' })).available
        .amountMinor,
  };
}

const aRefund = (over: Partial<Parameters<ReturnType<typeof makeRefundPayment>>[0]> = {}) => ({
  idempotencyKey: 'refund:1',
  paymentId: 'pay_1',
  amount: kgs(4_000n),
  reason: 'asked',
  occurredAt: undefined,
  ...over,
});

describe('refundPayment', () => {
  it('debits the merchant and credits the payment’s clearing shard; the fee stays; refund.succeeded is sequence 2', async () => {
    const s = setup();
    await s.postPayment(aPayment());
    const { transaction, alreadyExisted } = await s.refund(aRefund());
    expect(alreadyExisted).toBe(false);
    expect(transaction.postings.map((p) => p.amountMinor)).toEqual([4_000n, -4_000n]);
    const clearing = s.ledger.accountById(transaction.postings[1]!.accountId);
    expect(clearing).toMatchObject({ purpose: 'clearing', shard: shardOf('mer_1') });
    expect(await s.available()).toBe(5_750n);
    expect(
      s.ledger.events.map((e) => [
        e.eventType,
        e.sequence,
        e.gross.amountMinor,
        e.fee.amountMinor,
        e.net.amountMinor,
      ]),
    ).toEqual([
      ['payment.succeeded', 1n, 10_000n, 250n, 9_750n],
      ['refund.succeeded', 2n, 4_000n, 0n, 4_000n],
    ]);
    expect(s.ledger.payments.get('pay_1')?.refundedMinor).toBe(4_000n);
  });

  it('replays by key even when the payment has no refundable amount left, and names a differing field', async () => {
    const s = setup({ withoutFeePlan: true });
    await s.postPayment(aPayment());
    await s.refund(aRefund({ amount: kgs(10_000n) }));
    expect((await s.refund(aRefund({ amount: kgs(10_000n) }))).alreadyExisted).toBe(true);
    await expect(
      s.refund(aRefund({ amount: kgs(10_000n), reason: 'other' })),
    ).rejects.toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      details: { field: 'reason' },
    });
  });

  it.each<[string, Parameters<typeof aRefund>[0], string]>([
    ['more than the gross left', { amount: kgs(10_001n) }, 'LEDGER_REFUND_EXCEEDS_PAYMENT'],
    ['an unknown payment', { paymentId: 'pay_x' }, 'LEDGER_PAYMENT_NOT_FOUND'],
    [
      'another currency',
      { amount: { amountMinor: 1n, currency: 'USD' } },
      'MONEY_CURRENCY_MISMATCH',
    ],
    ['a zero amount', { amount: kgs(0n) }, 'MONEY_ZERO_AMOUNT'],
    ['a negative amount', { amount: kgs(-1n) }, 'MONEY_NEGATIVE_AMOUNT'],
    ['no amount', { amount: undefined }, 'LEDGER_INVALID_REQUEST'],
  ])('refuses %s and writes nothing', async (_name, over, code) => {
    const s = setup();
    await s.postPayment(aPayment());
    await expect(s.refund(aRefund(over))).rejects.toMatchObject({ code });
    expect(s.ledger.transactions).toHaveLength(1);
    expect(s.ledger.events).toHaveLength(1);
  });

  it('refuses a refund larger than the available balance unless the merchant may go negative', async () => {
    const s = setup();
    await s.postPayment(aPayment());
    await s.payout({
      idempotencyKey: 'po',
      merchantId: 'mer_1',
      amount: kgs(9_000n),
      description: '',
    });
    await expect(s.refund(aRefund({ amount: kgs(1_000n) }))).rejects.toMatchObject({
      code: 'LEDGER_INSUFFICIENT_FUNDS',
      kind: 'precondition',
    });
    expect(s.ledger.payments.get('pay_1')?.refundedMinor).toBe(0n);
    await s.settings.setSettings('mer_1', { allowNegativeBalance: true });
    await s.refund(aRefund({ amount: kgs(1_000n) }));
    expect(await s.available()).toBe(-250n);
  });
});

describe('postPayout', () => {
  it('mints a payout id, keys payout.succeeded by it, and answers a replay with the same id', async () => {
    const s = setup();
    await s.postPayment(aPayment());
    const first = await s.payout({
      idempotencyKey: 'po',
      merchantId: 'mer_1',
      amount: kgs(750n),
      description: 'weekly',
    });
    expect(first.payoutId).toMatch(/^po_/);
    const again = await s.payout({
      idempotencyKey: 'po',
      merchantId: 'mer_1',
      amount: kgs(750n),
      description: 'weekly',
    });
    expect(again).toMatchObject({ alreadyExisted: true, payoutId: first.payoutId });
    expect(s.ledger.events.at(-1)).toMatchObject({
      eventType: 'payout.succeeded',
      paymentId: first.payoutId,
      sequence: 1n,
      method: null,
    });
    expect(await s.available()).toBe(9_000n);
    await expect(
      s.payout({
        idempotencyKey: 'po2',
        merchantId: 'mer_1',
        amount: kgs(9_001n),
        description: '',
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_INSUFFICIENT_FUNDS' });
  });
});

describe('reverseTransaction', () => {
  it('mirrors a refund, making its amount refundable again, once', async () => {
    const s = setup({ withoutFeePlan: true });
    await s.postPayment(aPayment());
    const refund = await s.refund(aRefund({ amount: kgs(10_000n) }));
    const reversal = await s.reverse({
      idempotencyKey: 'rev',
      transactionId: refund.transaction.id,
      reason: 'mistake',
    });
    expect(reversal.transaction.postings.map((p) => p.amountMinor)).toEqual([-10_000n, 10_000n]);
    expect(s.ledger.payments.get('pay_1')?.refundedMinor).toBe(0n);
    expect(s.ledger.events.at(-1)).toMatchObject({ eventType: 'refund.reversed', sequence: 3n });
    await expect(
      s.reverse({ idempotencyKey: 'rev2', transactionId: refund.transaction.id, reason: 'again' }),
    ).rejects.toMatchObject({ code: 'LEDGER_ALREADY_REVERSED' });
    expect(
      (
        await s.reverse({
          idempotencyKey: 'rev',
          transactionId: refund.transaction.id,
          reason: 'mistake',
        })
      ).alreadyExisted,
    ).toBe(true);
  });

  it('reverses a payment only while it is unrefunded, and marks it reversed', async () => {
    const s = setup();
    const paid = await s.postPayment(aPayment());
    await s.refund(aRefund({ amount: kgs(1n) }));
    await expect(
      s.reverse({ idempotencyKey: 'r1', transactionId: paid.transaction.id, reason: '' }),
    ).rejects.toMatchObject({
      code: 'LEDGER_NOT_REVERSIBLE',
    });
    const s2 = setup();
    const paid2 = await s2.postPayment(aPayment());
    await s2.reverse({ idempotencyKey: 'r1', transactionId: paid2.transaction.id, reason: '' });
    expect(await s2.available()).toBe(0n);
    expect(s2.ledger.payments.get('pay_1')?.status).toBe('reversed');
    await expect(s2.refund(aRefund({ amount: kgs(1n) }))).rejects.toMatchObject({
      code: 'LEDGER_PAYMENT_NOT_REFUNDABLE',
    });
  });

  it('refuses an unknown transaction', async () => {
    const s = setup();
    await expect(
      s.reverse({ idempotencyKey: 'r', transactionId: 'txn_x', reason: '' }),
    ).rejects.toMatchObject({
      code: 'LEDGER_TRANSACTION_NOT_FOUND',
      kind: 'not_found',
    });
  });
});

describe('postTransaction', () => {
  it('moves money between system accounts and refuses merchant accounts, unknown accounts and imbalance', async () => {
    const s = setup();
    const paid = await s.postPayment(aPayment());
    const [clearing, merchant, fee] = paid.transaction.postings.map((p) => p.accountId) as [
      string,
      string,
      string,
    ];
    const res = await s.transfer({
      idempotencyKey: 't1',
      postings: [
        { accountId: fee, amountMinor: 50n, currency: 'KGS' },
        { accountId: clearing, amountMinor: -50n, currency: 'KGS' },
      ],
      description: 'provider kept its share',
    });
    expect(res.transaction.kind).toBe('transfer');
    await expect(
      s.transfer({
        idempotencyKey: 't2',
        postings: [
          { accountId: merchant, amountMinor: 50n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -50n, currency: 'KGS' },
        ],
        description: '',
      }),
    ).rejects.toMatchObject({
      code: 'LEDGER_ACCOUNT_NOT_ALLOWED',
      details: { field: 'postings[0].account_id' },
    });
    await expect(
      s.transfer({
        idempotencyKey: 't3',
        postings: [
          { accountId: 'acc_x', amountMinor: 50n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -50n, currency: 'KGS' },
        ],
        description: '',
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_ACCOUNT_NOT_FOUND', kind: 'not_found' });
    await expect(
      s.transfer({
        idempotencyKey: 't4',
        postings: [
          { accountId: fee, amountMinor: 50n, currency: 'KGS' },
          { accountId: clearing, amountMinor: -49n, currency: 'KGS' },
        ],
        description: '',
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_POSTINGS_UNBALANCED', kind: 'invalid' });
    expect(s.ledger.transactions).toHaveLength(2);
  });
});
