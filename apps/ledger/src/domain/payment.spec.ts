import { describe, expect, it } from 'vitest';

import { aFlatFeeRule, aPayment } from '../testing/payment.builder';
import { shardOf } from './accounts';
import type { FeePlan } from './fees';
import { assertBalanced } from './journal';
import { applyFee, paymentPostings, type PostPaymentCommand, validatePayment } from './payment';

/** A plan charging a flat KGS fee on Keeper Mobile payments (2.50 unless a test says). */
const flatPlan = (fixedMinor: bigint): FeePlan => ({
  merchantId: 'mer_1',
  updatedAt: new Date(0),
  rules: [aFlatFeeRule(fixedMinor)],
});

/** Validated, with the fee of a flat plan applied. */
const posted = (over: Partial<PostPaymentCommand> = {}, fixedMinor = 250n) =>
  applyFee(validatePayment(aPayment(over)), flatPlan(fixedMinor));

describe('payment posting rule', () => {
  it('debits provider clearing gross, credits merchant available net and fee revenue fee', () => {
    const postings = paymentPostings(posted());
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
    // System legs go to the merchant's shard; the merchant's own account is never sharded.
    expect(postings.map((p) => p.account.shard)).toEqual([shardOf('mer_1'), 0, shardOf('mer_1')]);
    expect(postings.reduce((s, p) => s + p.amountMinor, 0n)).toBe(0n);
    expect(() => assertBalanced(postings)).not.toThrow();
  });

  it('leaves out the fee leg when the fee is zero', () => {
    const postings = paymentPostings(posted({}, 0n));
    expect(postings.map((p) => [p.account.purpose, p.amountMinor])).toEqual([
      ['clearing', 10_000n],
      ['available', -10_000n],
    ]);
  });

  it('leaves out the merchant leg when the fee takes the whole gross', () => {
    const postings = paymentPostings(posted({}, 10_000n));
    expect(postings.map((p) => [p.account.purpose, p.amountMinor])).toEqual([
      ['clearing', 10_000n],
      ['fee_revenue', -10_000n],
    ]);
  });

  it('handles the largest int64 gross without overflow', () => {
    const max = 9_223_372_036_854_775_807n;
    const p = posted({ gross: { amountMinor: max, currency: 'KGS' } }, 1n);
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
      'unknown gross currency',
      { gross: { amountMinor: 1n, currency: 'XXX' } },
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
});

describe('fee from the merchant plan', () => {
  const plan: FeePlan = {
    merchantId: 'mer_1',
    updatedAt: new Date(0),
    rules: [
      {
        method: 'webmoney_keeper_mobile',
        percentBps: 250,
        fixed: [{ amountMinor: 10n, currency: 'KGS' }],
      },
      { method: 'card', percentBps: 300, fixed: [] },
    ],
  };

  it('computes half-up percent plus the fixed part of the currency', () => {
    // 1978 * 2.5% = 49.45 -> 49, + 10 fixed
    const p = applyFee(
      validatePayment(aPayment({ gross: { amountMinor: 1_978n, currency: 'KGS' } })),
      plan,
    );
    expect(p.fee).toEqual({ amountMinor: 59n, currency: 'KGS' });
    expect(p.net).toEqual({ amountMinor: 1_919n, currency: 'KGS' });
  });

  it('has no fixed part in a currency the rule does not list, and no fee for a method without a rule', () => {
    const usd = applyFee(
      validatePayment(aPayment({ gross: { amountMinor: 1_999n, currency: 'USD' } })),
      plan,
    );
    // 1999 * 2.5% = 49.975 -> 50, no USD fixed part
    expect(usd.fee.amountMinor).toBe(50n);
    const qr = applyFee(validatePayment(aPayment({ method: 'qr' })), plan);
    expect(qr.fee.amountMinor).toBe(0n);
  });

  it('caps the fee at the gross', () => {
    const tiny = applyFee(
      validatePayment(aPayment({ gross: { amountMinor: 5n, currency: 'KGS' } })),
      plan,
    );
    expect(tiny.fee.amountMinor).toBe(5n);
    expect(tiny.net.amountMinor).toBe(0n);
  });

  it('charges no fee when the merchant has no plan', () => {
    const p = applyFee(validatePayment(aPayment()), undefined);
    expect(p.fee).toEqual({ amountMinor: 0n, currency: 'KGS' });
    expect(p.net).toEqual({ amountMinor: 10_000n, currency: 'KGS' });
    expect(paymentPostings(p).map((leg) => leg.account.purpose)).toEqual(['clearing', 'available']);
  });
});
