import { describe, expect, it } from 'vitest';

import { InMemoryJournal } from '../testing/in-memory-journal.fake';
import { aPayment } from '../testing/payment.builder';
import { makeGetBalance } from './get-balance';
import { makeListPaymentTransactions } from './list-payment-transactions';
import { makePostPayment } from './post-payment';

const now = new Date('2026-11-23T12:00:00.000Z');

function setup() {
  const journal = new InMemoryJournal();
  return {
    journal,
    postPayment: makePostPayment({ journal, clock: { now: () => now } }),
    getBalance: makeGetBalance({ balances: journal }),
    list: makeListPaymentTransactions({ journal }),
  };
}

describe('postPayment', () => {
  it('writes a balanced transaction, credits the merchant the net and emits one payment.succeeded', async () => {
    const { journal, postPayment, getBalance } = setup();
    const { transaction, alreadyExisted } = await postPayment(aPayment());
    expect(alreadyExisted).toBe(false);
    expect(transaction.kind).toBe('payment');
    expect(transaction.postings.map((p) => p.amountMinor)).toEqual([10_000n, -9_750n, -250n]);
    expect(await getBalance({ merchantId: 'mer_1', currency: 'KGS' })).toEqual({
      available: { amountMinor: 9_750n, currency: 'KGS' },
      pending: { amountMinor: 0n, currency: 'KGS' },
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
    expect(again).toEqual({ transaction: first.transaction, alreadyExisted: true });
    expect(journal.transactions).toHaveLength(1);
    expect(journal.events).toHaveLength(1);
    expect((await getBalance({ merchantId: 'mer_1', currency: 'KGS' })).available.amountMinor).toBe(
      9_750n,
    );
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
    const { journal, postPayment } = setup();
    const winner = makePostPayment({ journal, clock: { now: () => now } });
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
      postPayment(aPayment({ fee: { amountMinor: 10_001n, currency: 'KGS' } })),
    ).rejects.toMatchObject({
      code: 'LEDGER_FEE_EXCEEDS_GROSS',
      kind: 'invalid',
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

describe('getBalance and listPaymentTransactions', () => {
  it('reports zero for an unknown merchant and refuses an unknown currency', async () => {
    const { getBalance } = setup();
    expect(await getBalance({ merchantId: 'mer_new', currency: 'USD' })).toEqual({
      available: { amountMinor: 0n, currency: 'USD' },
      pending: { amountMinor: 0n, currency: 'USD' },
    });
    await expect(getBalance({ merchantId: 'mer_new', currency: 'ZZZ' })).rejects.toMatchObject({
      code: 'MONEY_UNKNOWN_CURRENCY',
    });
    await expect(getBalance({ merchantId: '', currency: 'USD' })).rejects.toMatchObject({
      code: 'LEDGER_INVALID_REQUEST',
      details: { field: 'merchant_id' },
    });
  });

  it('lists a payment’s transactions and sums balances per currency', async () => {
    const { postPayment, getBalance, list } = setup();
    await postPayment(aPayment());
    await postPayment(
      aPayment({
        idempotencyKey: 'k2',
        paymentId: 'pay_2',
        fee: { amountMinor: 0n, currency: 'KGS' },
      }),
    );
    expect((await getBalance({ merchantId: 'mer_1', currency: 'KGS' })).available.amountMinor).toBe(
      19_750n,
    );
    const listed = await list('pay_2');
    expect(listed).toHaveLength(1);
    expect(listed[0]?.postings).toHaveLength(2);
    expect(await list('pay_none')).toEqual([]);
    await expect(list('')).rejects.toMatchObject({ code: 'LEDGER_INVALID_REQUEST' });
  });
});
