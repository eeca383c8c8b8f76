import { describe, expect, it } from 'vitest';

import { shardOf } from '../domain/accounts';
import { InMemoryLedger } from '../testing/in-memory-ledger.fake';
import { InMemorySettings } from '../testing/in-memory-settings.fake';
import { aFlatFeeRule, aPayment } from '../testing/payment.builder';
import { makeSetFeePlan } from './fee-plans';
import { makeGetBalance } from './get-balance';
import { makeListPaymentTransactions } from './list-payment-transactions';
import { makePostPayment } from './post-payment';
import { makePostPayments } from './post-payments';

const now = new Date('2026-11-23T12:00:00.000Z');

/** mer_1 pays a flat 2.50 KGS per Keeper Mobile payment, unless a test needs no plan. */
function setup({ withoutFeePlan = false } = {}) {
  const settings = new InMemorySettings();
  if (!withoutFeePlan) void settings.setFeePlan('mer_1', [aFlatFeeRule()]);
  const journal = new InMemoryLedger(settings);
  const postPayment = makePostPayment({ journal, settings, clock: { now: () => now } });
  return {
    journal,
    settings,
    postPayment,
    postPayments: makePostPayments({ postPayment }),
    setFeePlan: makeSetFeePlan({ settings }),
    getBalance: makeGetBalance({ balances: journal }),
    list: makeListPaymentTransactions({ journal }),
  };
}

describe('postPayment', () => {
  it('writes a balanced transaction, credits the merchant the net and emits one payment.succeeded', async () => {
    const { journal, postPayment, getBalance } = setup();
    const { transaction, alreadyExisted, fee, net } = await postPayment(aPayment());
    expect(alreadyExisted).toBe(false);
    expect({ fee, net }).toEqual({
      fee: { amountMinor: 250n, currency: 'KGS' },
      net: { amountMinor: 9_750n, currency: 'KGS' },
    });
    expect(transaction.kind).toBe('payment');
    expect(transaction.postings.map((p) => p.amountMinor)).toEqual([10_000n, -9_750n, -250n]);
    expect(await getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode: true })).toEqual({
      available: { amountMinor: 9_750n, currency: 'KGS' },
      pending: { amountMinor: 0n, currency: 'KGS' },
      livemode: true,
    });
    expect(journal.events).toHaveLength(1);
    expect(journal.events[0]).toMatchObject({
      eventType: 'payment.succeeded',
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      gross: { amountMinor: 10_000n, currency: 'KGS' },
      fee: { amountMinor: 250n, currency: 'KGS' },
      net: { amountMinor: 9_750n, currency: 'KGS' },
      providerAttributes: { payer_phone: '+996700000000', keeper_mobile_payment_no: '42' },
      occurredAt: new Date('2026-11-23T10:00:00.000Z'),
      sequence: 1n,
      ledgerTransactionId: transaction.id,
    });
    expect(journal.payments.get('pay_1')).toMatchObject({
      status: 'posted',
      grossMinor: 10_000n,
      feeMinor: 250n,
      refundedMinor: 0n,
      shard: shardOf('mer_1'),
    });
  });

  it('falls back to the posting time when the request has no occurred_at', async () => {
    const { journal, postPayment } = setup();
    await postPayment(aPayment({ occurredAt: undefined }));
    expect(journal.events[0]?.occurredAt).toEqual(now);
  });

  it('returns the original transaction for a replay, with no second effect', async () => {
    const { journal, postPayment, getBalance } = setup();
    const first = await postPayment(aPayment());
    const again = await postPayment(aPayment());
    expect(again).toEqual({ ...first, alreadyExisted: true });
    expect(journal.transactions).toHaveLength(1);
    expect(journal.events).toHaveLength(1);
    expect(
      (await getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode: true })).available
        .amountMinor,
    ).toBe(9_750n);
  });

  it('refuses the same key with a different field, naming it, and writes nothing', async () => {
    const { journal, postPayment } = setup();
    await postPayment(aPayment());
    await expect(
      postPayment(aPayment({ gross: { amountMinor: 20_000n, currency: 'KGS' } })),
    ).rejects.toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      kind: 'conflict',
      details: { field: 'gross' },
    });
    await expect(postPayment(aPayment({ providerAttributes: {} }))).rejects.toMatchObject({
      details: { field: 'provider_attributes' },
    });
    expect(journal.transactions).toHaveLength(1);
    expect(journal.events).toHaveLength(1);
  });

  it('answers a lost race on the key as a replay, or as a conflict if the winner differed', async () => {
    const { journal, postPayment, settings } = setup();
    const winner = makePostPayment({ journal, settings, clock: { now: () => now } });
    // The concurrent request commits between our read and our write.
    journal.beforeRecord = () => {
      journal.beforeRecord = undefined;
      return winner(aPayment());
    };
    const raced = await postPayment(aPayment());
    expect(raced.alreadyExisted).toBe(true);
    expect(journal.transactions).toHaveLength(1);
    expect(journal.events).toHaveLength(1);

    journal.beforeRecord = () => {
      journal.beforeRecord = undefined;
      return winner(aPayment({ idempotencyKey: 'k2', paymentId: 'pay_2', description: 'winner' }));
    };
    await expect(
      postPayment(aPayment({ idempotencyKey: 'k2', paymentId: 'pay_2' })),
    ).rejects.toMatchObject({
      code: 'LEDGER_IDEMPOTENCY_CONFLICT',
      details: { field: 'description' },
    });
    expect(journal.transactions).toHaveLength(2);
  });

  it('refuses invalid input before writing anything', async () => {
    const { journal, postPayment } = setup();
    await expect(
      postPayment(aPayment({ gross: { amountMinor: 0n, currency: 'KGS' } })),
    ).rejects.toMatchObject({ code: 'MONEY_ZERO_AMOUNT', kind: 'invalid' });
    await expect(postPayment(aPayment({ merchantId: '' }))).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field: 'merchant_id' },
    });
    expect(journal.transactions).toHaveLength(0);
    expect(journal.events).toHaveLength(0);
  });

  it('never credits a payment twice under another key', async () => {
    const { journal, postPayment } = setup();
    await postPayment(aPayment());
    await expect(postPayment(aPayment({ idempotencyKey: 'other-key' }))).rejects.toMatchObject({
      code: 'LEDGER_PAYMENT_ALREADY_POSTED',
      kind: 'conflict',
    });
    expect(journal.events).toHaveLength(1);
  });
});

describe('postPayment fees: the ledger’s plan is the only fee', () => {
  it('applies the plan’s fee, and a replay keeps the fee of the first posting', async () => {
    const { journal, postPayment, setFeePlan, getBalance } = setup();
    await setFeePlan({
      merchantId: 'mer_1',
      rules: [
        {
          method: 'webmoney_keeper_mobile',
          percentBps: 300,
          fixed: [{ amountMinor: 5n, currency: 'KGS' }],
        },
      ],
    });
    const first = await postPayment(aPayment());
    expect(first.fee).toEqual({ amountMinor: 305n, currency: 'KGS' });
    expect(first.transaction.postings.map((p) => p.amountMinor)).toEqual([10_000n, -9_695n, -305n]);
    expect(journal.events[0]?.fee).toEqual({ amountMinor: 305n, currency: 'KGS' });

    // A later plan change does not change what a replay answers.
    await setFeePlan({ merchantId: 'mer_1', rules: [] });
    expect(await postPayment(aPayment())).toEqual({ ...first, alreadyExisted: true });
    expect(
      (await getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode: true })).available
        .amountMinor,
    ).toBe(9_695n);

    // A plan without a rule for the method: no fee.
    const free = await postPayment(aPayment({ idempotencyKey: 'k2', paymentId: 'pay_2' }));
    expect(free.fee.amountMinor).toBe(0n);
  });

  it('charges the fixed part of the payment’s own currency only', async () => {
    const { postPayment, setFeePlan } = setup();
    await setFeePlan({
      merchantId: 'mer_1',
      rules: [{ method: 'card', percentBps: 250, fixed: [{ amountMinor: 30n, currency: 'RUB' }] }],
    });
    const usd = await postPayment(
      aPayment({ method: 'card', gross: { amountMinor: 1_000n, currency: 'USD' } }),
    );
    // 2.5% of 10.00 USD; the 30 written for RUB is not 30 US cents.
    expect(usd.fee).toEqual({ amountMinor: 25n, currency: 'USD' });
    expect(usd.net).toEqual({ amountMinor: 975n, currency: 'USD' });
  });

  it('charges no fee when the merchant has no plan: the whole gross goes to the merchant', async () => {
    const { journal, postPayment, getBalance } = setup({ withoutFeePlan: true });
    const posted = await postPayment(aPayment());
    expect(posted).toMatchObject({
      fee: { amountMinor: 0n, currency: 'KGS' },
      net: { amountMinor: 10_000n, currency: 'KGS' },
    });
    expect(posted.transaction.postings.map((p) => p.amountMinor)).toEqual([10_000n, -10_000n]);
    expect(journal.events[0]?.fee).toEqual({ amountMinor: 0n, currency: 'KGS' });
    expect(
      (await getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode: true })).available
        .amountMinor,
    ).toBe(10_000n);
  });
});

describe('postPayments', () => {
  it('answers each item on its own: posted, replayed or refused', async () => {
    const { postPayment, postPayments, journal } = setup();
    await postPayment(aPayment());
    const outcomes = await postPayments([
      () => aPayment(),
      () => aPayment({ idempotencyKey: 'k2', paymentId: 'pay_2' }),
      () =>
        aPayment({
          idempotencyKey: 'k3',
          paymentId: 'pay_3',
          gross: { amountMinor: 0n, currency: 'KGS' },
        }),
      () => {
        throw new Error('unmappable item');
      },
    ]);
    expect(
      outcomes.map((o) =>
        o.ok ? o.value.alreadyExisted : ((o.error as { code?: string }).code ?? 'thrown'),
      ),
    ).toEqual([true, false, 'MONEY_ZERO_AMOUNT', 'thrown']);
    expect(journal.transactions).toHaveLength(2);
  });

  it('refuses an empty batch and one beyond 8190 items', async () => {
    const { postPayments } = setup();
    await expect(postPayments([])).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field: 'payments' },
    });
    await expect(
      postPayments(Array.from({ length: 8191 }, () => () => aPayment())),
    ).rejects.toMatchObject({
      details: { field: 'payments' },
    });
  });
});

describe('getBalance and listPaymentTransactions', () => {
  it('reports zero for an unknown merchant and refuses an unknown currency', async () => {
    const { getBalance } = setup();
    expect(await getBalance({ merchantId: 'mer_new', currency: 'USD', livemode: true })).toEqual({
      available: { amountMinor: 0n, currency: 'USD' },
      pending: { amountMinor: 0n, currency: 'USD' },
      livemode: true,
    });
    await expect(
      getBalance({ merchantId: 'mer_new', currency: 'ZZZ', livemode: true }),
    ).rejects.toMatchObject({
      code: 'MONEY_UNKNOWN_CURRENCY',
    });
    await expect(
      getBalance({ merchantId: '', currency: 'USD', livemode: true }),
    ).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field: 'merchant_id' },
    });
  });

  it('lists a payment’s transactions and sums balances per currency', async () => {
    const { postPayment, getBalance, list } = setup();
    await postPayment(aPayment());
    await postPayment(aPayment({ idempotencyKey: 'k2', paymentId: 'pay_2' }));
    expect(
      (await getBalance({ merchantId: 'mer_1', currency: 'KGS', livemode: true })).available
        .amountMinor,
    ).toBe(19_500n);
    const listed = await list('pay_2');
    expect(listed).toHaveLength(1);
    expect(listed[0]?.postings).toHaveLength(3);
    expect(await list('pay_none')).toEqual([]);
    await expect(list('')).rejects.toMatchObject({ code: 'LEDGER_INVALID_REQUEST' });
  });
});
