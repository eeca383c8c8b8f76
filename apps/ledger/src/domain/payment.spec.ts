import { describe, expect, it } from 'vitest';

import { aPayment } from '../testing/payment.builder';
import { assertBalanced } from './journal';
import { paymentPostings, type PostPaymentCommand, validatePayment } from './payment';

describe('payment posting rule', () => {
  it('debits provider clearing gross, credits merchant available net and fee revenue fee', () => {
    const postings = paymentPostings(validatePayment(aPayment()));
    expect(
      postings.map((p) => [
        p.account.ownerType,
        p.account.ownerId,
        p.account.purpose,
        p.account.type,
        p.account.normalSide,
        p.amountMinor,
      ]),
    ).toEqual([
      ['provider', 'webmoney', 'clearing', 'asset', 'debit', 10_000n],
      ['merchant', 'mer_1', 'available', 'liability', 'credit', -9_750n],
      ['platform', 'tolem', 'fee_revenue', 'revenue', 'credit', -250n],
    ]);
    expect(postings.every((p) => p.account.currency === 'KGS')).toBe(true);
    expect(postings.reduce((s, p) => s + p.amountMinor, 0n)).toBe(0n);
    expect(() => assertBalanced(postings)).not.toThrow();
  });

  it('leaves out the fee leg when the fee is zero', () => {
    const postings = paymentPostings(
      validatePayment(aPayment({ fee: { amountMinor: 0n, currency: 'KGS' } })),
    );
    expect(postings.map((p) => [p.account.purpose, p.amountMinor])).toEqual([
      ['clearing', 10_000n],
      ['available', -10_000n],
    ]);
  });

  it('leaves out the merchant leg when the fee takes the whole gross', () => {
    const postings = paymentPostings(
      validatePayment(aPayment({ fee: { amountMinor: 10_000n, currency: 'KGS' } })),
    );
    expect(postings.map((p) => [p.account.purpose, p.amountMinor])).toEqual([
      ['clearing', 10_000n],
      ['fee_revenue', -10_000n],
    ]);
  });

  it('handles the largest int64 gross without overflow', () => {
    const max = 9_223_372_036_854_775_807n;
    const p = validatePayment(
      aPayment({
        gross: { amountMinor: max, currency: 'KGS' },
        fee: { amountMinor: 1n, currency: 'KGS' },
      }),
    );
    expect(p.net.amountMinor).toBe(max - 1n);
    expect(() => assertBalanced(paymentPostings(p))).not.toThrow();
  });
});

describe('payment validation', () => {
  const cases: [string, Partial<PostPaymentCommand>, string, string][] = [
    ['zero gross', { gross: { amountMinor: 0n, currency: 'KGS' } }, 'MONEY_ZERO_AMOUNT', 'gross'],
    [
      'negative gross',
      { gross: { amountMinor: -1n, currency: 'KGS' } },
      'MONEY_NEGATIVE_AMOUNT',
      'gross',
    ],
    [
      'negative fee',
      { fee: { amountMinor: -1n, currency: 'KGS' } },
      'MONEY_NEGATIVE_AMOUNT',
      'fee',
    ],
    [
      'fee above gross',
      { fee: { amountMinor: 10_001n, currency: 'KGS' } },
      'LEDGER_FEE_EXCEEDS_GROSS',
      'fee',
    ],
    [
      'mixed currencies',
      { fee: { amountMinor: 1n, currency: 'USD' } },
      'MONEY_CURRENCY_MISMATCH',
      'fee',
    ],
    [
      'unknown gross currency',
      { gross: { amountMinor: 1n, currency: 'XXX' }, fee: { amountMinor: 0n, currency: 'XXX' } },
      'MONEY_UNKNOWN_CURRENCY',
      'gross',
    ],
    [
      'lower-case currency',
      { gross: { amountMinor: 1n, currency: 'kgs' } },
      'MONEY_UNKNOWN_CURRENCY',
      'gross',
    ],
    [
      'gross beyond int64',
      { gross: { amountMinor: 2n ** 63n, currency: 'KGS' } },
      'MONEY_AMOUNT_OVERFLOW',
      'gross',
    ],
    ['no idempotency key', { idempotencyKey: '' }, 'LEDGER_INVALID_REQUEST', 'idempotency_key'],
    ['no payment id', { paymentId: '' }, 'LEDGER_INVALID_REQUEST', 'payment_id'],
    ['no merchant id', { merchantId: '' }, 'LEDGER_INVALID_REQUEST', 'merchant_id'],
    ['padded merchant id', { merchantId: ' mer_1' }, 'LEDGER_INVALID_REQUEST', 'merchant_id'],
    [
      'overlong key',
      { idempotencyKey: 'k'.repeat(256) },
      'LEDGER_INVALID_REQUEST',
      'idempotency_key',
    ],
  ];
  it.each(cases)('refuses %s', (_name, over, code, field) => {
    let caught: unknown;
    try {
      validatePayment(aPayment(over));
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code, kind: 'invalid', details: { field } });
  });

  it('accepts fee equal to zero and fee equal to gross', () => {
    expect(
      validatePayment(aPayment({ fee: { amountMinor: 0n, currency: 'KGS' } })).net.amountMinor,
    ).toBe(10_000n);
    expect(
      validatePayment(aPayment({ fee: { amountMinor: 10_000n, currency: 'KGS' } })).net.amountMinor,
    ).toBe(0n);
  });
});
