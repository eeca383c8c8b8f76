import { describe, expect, it } from 'vitest';

import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aFlatFeeRule, aPayment } from '../testing/payment.builder';
import { makeGetBalance } from './get-balance';
import { makePostPayment } from './post-payment';
import { makePostPayout } from './post-payout';
import { makePostTransaction } from './post-transaction';
import { makeRefundPayment, makeResolveRefund } from './refund-payment';
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
    resolve: makeResolveRefund({ journal: ledger, clock }),
    payout: makePostPayout({ journal: ledger, clock }),
    reverse: makeReverseTransaction({ journal: ledger, clock }),
    transfer: makePostTransaction({ journal: ledger, balances: ledger }),
    available: async (merchantId = 'mer_1') =>
      (await makeGetBalance({ balances: ledger })({ merchantId, currency: 'KGS', livemode: true }))
        .available.amountMinor,
  };
}

const aRefund = (over: Partial<Parameters<ReturnType<typeof makeRefundPayment>>[0]> = {}) => ({
  refundId: 're_1',
  paymentId: 'pay_1',
  amount: kgs(4_000n),
  reason: 'asked',
  occurredAt: undefined,
  ...over,
});

describe('refundPayment', () => {
  it('moves the amount from the merchant to refunds payable at once; the fee stays; refund.pending is sequence 2', async () => {
    const s = setup();
    await s.postPayment(aPayment());
    const { transaction, alreadyExisted } = await s.refund(aRefund());
    expect(alreadyExisted).toBe(false);
    expect(transaction.postings.map((p) => p.amountMinor)).toEqual([4_000n, -4_000n]);
    expect(s.ledger.accountById(transaction.postings[1]!.accountId)).toMatchObject({
      ownerType: 'platform',
      purpose: 'refunds_payable',
      currency: 'KGS',
    });
    expect(await s.available()).toBe(5_750n);
    expect(
      s.ledger.events.map((e) => [
        e.eventType,
        e.sequence,
        e.gross.amountMinor,
        e.fee.amountMinor,
        e.refundId,
      ]),
    ).toEqual([
      ['payment.succeeded', 1n, 10_000n, 250n, undefined],
      ['refund.pending', 2n, 4_000n, 0n, 're_1'],
    ]);
    expect(s.ledger.payments.get('pay_1')).toMatchObject({
      refundedMinor: 0n,
      refundPendingMinor: 4_000n,
    });
  });

  it.each([
    ['refunded_by_provider', 'clearing', 'provider'],
    ['paid_out', 'payout_clearing', 'platform'],
  ] as const)(
    'a refund %s leaves refunds payable for %s and counts as refunded',
    async (outcome, purpose, ownerType) => {
      const s = setup();
      await s.postPayment(aPayment());
      await s.refund(aRefund());
      const r = await s.resolve({
        refundId: 're_1',
        outcome,
        reference: 'ref-1',
        occurredAt: undefined,
      });
      expect(r.paymentStatus).toBe('partially_refunded');
      expect(r.transaction.postings.map((p) => p.amountMinor)).toEqual([4_000n, -4_000n]);
      expect(s.ledger.accountById(r.transaction.postings[0]!.accountId)?.purpose).toBe(
        'refunds_payable',
      );
      expect(s.ledger.accountById(r.transaction.postings[1]!.accountId)).toMatchObject({
        purpose,
        ownerType,
      });
      expect(await s.available()).toBe(5_750n);
      expect(s.ledger.events.at(-1)).toMatchObject({
        eventType: 'refund.succeeded',
        sequence: 3n,
        refundId: 're_1',
        paymentStatus: 'partially_refunded',
      });
      expect(s.ledger.payments.get('pay_1')).toMatchObject({
        refundedMinor: 4_000n,
        refundPendingMinor: 0n,
      });
    },
  );

  it('a failed refund returns the money to the merchant and makes it refundable again', async () => {
    const s = setup({ withoutFeePlan: true });
    await s.postPayment(aPayment());
    await s.refund(aRefund({ amount: kgs(10_000n) }));
    expect(await s.available()).toBe(0n);
    const r = await s.resolve({
      refundId: 're_1',
      outcome: 'failed',
      reference: 'provider_declined',
      occurredAt: undefined,
    });
    expect(r.paymentStatus).toBe('');
    expect(await s.available()).toBe(10_000n);
    expect(s.ledger.events.at(-1)).toMatchObject({
      eventType: 'refund.failed',
      failureCode: 'provider_declined',
      paymentStatus: '',
    });
    expect(s.ledger.payments.get('pay_1')).toMatchObject({
      refundedMinor: 0n,
      refundPendingMinor: 0n,
    });
    await s.refund(aRefund({ refundId: 're_2', amount: kgs(10_000n) }));
  });

  it('ends a refund once: the same end replays, the other end is a conflict, an unknown refund is not found', async () => {
    const s = setup();
    await s.postPayment(aPayment());
    await s.refund(aRefund());
    const end = {
      refundId: 're_1',
      outcome: 'paid_out' as const,
      reference: 'wm-1',
      occurredAt: undefined,
    };
    expect((await s.resolve(end)).alreadyExisted).toBe(false);
    expect((await s.resolve(end)).alreadyExisted).toBe(true);
    await expect(s.resolve({ ...end, outcome: 'failed' })).rejects.toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      details: { field: 'outcome' },
    });
    await expect(s.resolve({ ...end, refundId: 're_x' })).rejects.toMatchObject({
      code: 'LEDGER_REFUND_NOT_FOUND',
      kind: 'not_found',
    });
    expect(s.ledger.events.map((e) => e.eventType)).toEqual([
      'payment.succeeded',
      'refund.pending',
      'refund.succeeded',
    ]);
  });

  it('refuses a refund id with no room left for its resolution key, at start and at end', async () => {
    const s = setup();
    await s.postPayment(aPayment());
    // 245 characters: `${id}/resolution` would pass the 255 of every idempotency key.
    const refundId = `re_${'x'.repeat(242)}`;
    const refused = { code: 'LEDGER_INVALID_REQUEST', details: { field: 'refund_id' } };
    await expect(s.refund(aRefund({ refundId }))).rejects.toMatchObject(refused);
    await expect(
      s.resolve({ refundId, outcome: 'paid_out', reference: 'wm-1', occurredAt: undefined }),
    ).rejects.toMatchObject(refused);
    expect(s.ledger.transactions).toHaveLength(1);
    // One shorter fits both keys.
    await s.refund(aRefund({ refundId: refundId.slice(1) }));
    expect(s.ledger.transactions).toHaveLength(2);
  });

  it('counts pending refunds against what is left to refund', async () => {
    const s = setup({ withoutFeePlan: true });
    await s.postPayment(aPayment());
    await s.refund(aRefund({ amount: kgs(6_000n) }));
    await expect(
      s.refund(aRefund({ refundId: 're_2', amount: kgs(4_001n) })),
    ).rejects.toMatchObject({
      code: 'LEDGER_REFUND_EXCEEDS_PAYMENT',
      details: { refundable: '4000' },
    });
    await s.refund(aRefund({ refundId: 're_2', amount: kgs(4_000n) }));
    await s.resolve({
      refundId: 're_1',
      outcome: 'paid_out',
      reference: '',
      occurredAt: undefined,
    });
    const last = await s.resolve({
      refundId: 're_2',
      outcome: 'paid_out',
      reference: '',
      occurredAt: undefined,
    });
    expect(last.paymentStatus).toBe('refunded');
    expect(s.ledger.events.at(-1)).toMatchObject({ paymentStatus: 'refunded' });
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
      livemode: true,
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
      livemode: true,
    });
    expect(first.payoutId).toMatch(/^po_/);
    const again = await s.payout({
      idempotencyKey: 'po',
      merchantId: 'mer_1',
      amount: kgs(750n),
      description: 'weekly',
      livemode: true,
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
        livemode: true,
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_INSUFFICIENT_FUNDS' });
  });
});

describe('reverseTransaction', () => {
  it('refuses to reverse a refund: a refund ends by failing it', async () => {
    const s = setup({ withoutFeePlan: true });
    await s.postPayment(aPayment());
    const refund = await s.refund(aRefund({ amount: kgs(10_000n) }));
    await expect(
      s.reverse({ idempotencyKey: 'rev', transactionId: refund.transaction.id, reason: 'mistake' }),
    ).rejects.toMatchObject({ code: 'LEDGER_NOT_REVERSIBLE' });
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
