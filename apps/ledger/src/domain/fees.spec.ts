import { describe, expect, it } from 'vitest';

import { feeFromPlan, feeOf, validateFeePlanRules } from './fees';

describe('fee plan validation', () => {
  it('accepts a plan and keeps fixed parts per currency', () => {
    const rules = validateFeePlanRules([
      { method: 'card', percentBps: 0, fixed: [{ amountMinor: 5n, currency: 'USD' }] },
      { method: 'qr', percentBps: 10_000, fixed: [] },
    ]);
    expect(rules[0]?.fixed).toEqual([{ amountMinor: 5n, currency: 'USD' }]);
  });

  it.each([
    [
      'a negative percent',
      [{ method: 'card' as const, percentBps: -1, fixed: [] }],
      'rules[0].percent_bps',
    ],
    [
      'a fractional percent',
      [{ method: 'card' as const, percentBps: 1.5, fixed: [] }],
      'rules[0].percent_bps',
    ],
    [
      'an unknown currency',
      [{ method: 'card' as const, percentBps: 1, fixed: [{ amountMinor: 1n, currency: 'XXX' }] }],
      'rules[0].fixed[0]',
    ],
    [
      'a negative fixed part',
      [{ method: 'card' as const, percentBps: 1, fixed: [{ amountMinor: -1n, currency: 'KGS' }] }],
      'rules[0].fixed[0]',
    ],
    [
      'two fixed parts in one currency',
      [
        {
          method: 'card' as const,
          percentBps: 1,
          fixed: [
            { amountMinor: 1n, currency: 'KGS' },
            { amountMinor: 2n, currency: 'KGS' },
          ],
        },
      ],
      'rules[0].fixed[1]',
    ],
    [
      'two rules for one method',
      [
        { method: 'card' as const, percentBps: 1, fixed: [] },
        { method: 'card' as const, percentBps: 2, fixed: [] },
      ],
      'rules[1].method',
    ],
  ])('refuses %s', (_name, rules, field) => {
    expect(() => validateFeePlanRules(rules)).toThrow(
      expect.objectContaining({ code: 'LEDGER_INVALID_FEE_PLAN', details: { field } }),
    );
  });

  it('charges nothing for a method without a rule and rounds half up', () => {
    const plan = {
      merchantId: 'm',
      updatedAt: new Date(0),
      rules: validateFeePlanRules([{ method: 'card', percentBps: 250, fixed: [] }]),
    };
    expect(feeFromPlan(plan, 'qr', { amountMinor: 1_000n, currency: 'KGS' }).amountMinor).toBe(0n);
    // 1999 * 2.5% = 49.975 -> 50; 1998 * 2.5% = 49.95 -> 50; 1978 -> 49.45 -> 49
    expect(feeFromPlan(plan, 'card', { amountMinor: 1_999n, currency: 'KGS' }).amountMinor).toBe(
      50n,
    );
    expect(feeFromPlan(plan, 'card', { amountMinor: 1_978n, currency: 'KGS' }).amountMinor).toBe(
      49n,
    );
  });
});

describe('fixed fee per currency', () => {
  const planWith = (fixed: { amountMinor: bigint; currency: string }[]) => ({
    merchantId: 'm',
    updatedAt: new Date(0),
    rules: validateFeePlanRules([{ method: 'card', percentBps: 250, fixed }]),
  });

  it('charges a fixed part written for RUB on no USD payment', () => {
    const rubOnly = planWith([{ amountMinor: 30n, currency: 'RUB' }]);
    // 10.00 USD * 2.5% = 25 cents, and no fixed part: 30 is a RUB amount, not 30 US cents.
    expect(feeFromPlan(rubOnly, 'card', { amountMinor: 1_000n, currency: 'USD' })).toEqual({
      amountMinor: 25n,
      currency: 'USD',
    });
    expect(feeFromPlan(rubOnly, 'card', { amountMinor: 1_000n, currency: 'RUB' })).toEqual({
      amountMinor: 55n,
      currency: 'RUB',
    });
  });

  it('applies the fixed part of the payment’s own currency', () => {
    const both = planWith([
      { amountMinor: 30n, currency: 'RUB' },
      { amountMinor: 7n, currency: 'USD' },
    ]);
    expect(feeFromPlan(both, 'card', { amountMinor: 1_000n, currency: 'USD' })).toEqual({
      amountMinor: 32n,
      currency: 'USD',
    });
    expect(feeFromPlan(both, 'card', { amountMinor: 1_000n, currency: 'RUB' })).toEqual({
      amountMinor: 55n,
      currency: 'RUB',
    });
  });
});

describe('fee without a plan', () => {
  it('is zero in the payment’s currency', () => {
    expect(feeOf(undefined, 'card', { amountMinor: 1_000n, currency: 'USD' })).toEqual({
      amountMinor: 0n,
      currency: 'USD',
    });
  });
});
