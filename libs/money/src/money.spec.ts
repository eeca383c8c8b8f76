import { describe, expect, it } from 'vitest';

import {
  add,
  allocate,
  computeFee,
  fromMajorString,
  minorFromJson,
  money,
  positiveMoney,
  toMajorString,
} from './index';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
};

describe('money', () => {
  it('formats and parses major strings exactly', () => {
    expect(toMajorString(money(1465n, 'USD'))).toBe('14.65');
    expect(toMajorString(money(5n, 'KGS'))).toBe('0.05');
    expect(toMajorString(money(1000n, 'JPY'))).toBe('1000');
    expect(toMajorString(money(1n, 'KWD'))).toBe('0.001');
    expect(fromMajorString('14.65', 'USD').amountMinor).toBe(1465n);
    expect(fromMajorString('14.6', 'USD').amountMinor).toBe(1460n);
    expect(fromMajorString('100', 'KGS').amountMinor).toBe(10000n);
    expect(codeOf(() => fromMajorString('14.655', 'USD'))).toBe('MONEY_BAD_DECIMAL');
    expect(codeOf(() => fromMajorString('1e3', 'USD'))).toBe('MONEY_BAD_DECIMAL');
  });

  it('rejects bad amounts with stable codes', () => {
    expect(codeOf(() => positiveMoney(0n, 'KGS'))).toBe('MONEY_ZERO_AMOUNT');
    expect(codeOf(() => positiveMoney(-1n, 'KGS'))).toBe('MONEY_NEGATIVE_AMOUNT');
    expect(codeOf(() => money(1n, 'XXX'))).toBe('MONEY_UNKNOWN_CURRENCY');
    expect(codeOf(() => money(2n ** 63n, 'KGS'))).toBe('MONEY_AMOUNT_OVERFLOW');
    expect(codeOf(() => add(money(1n, 'KGS'), money(1n, 'USD')))).toBe('MONEY_CURRENCY_MISMATCH');
    expect(codeOf(() => minorFromJson(12.5))).toBe('MONEY_NOT_AN_INTEGER');
    expect(codeOf(() => minorFromJson(2 ** 53))).toBe('MONEY_NOT_AN_INTEGER');
    expect(minorFromJson('9007199254740993')).toBe(9007199254740993n);
  });

  it('allocates without losing a minor unit', () => {
    const parts = allocate(money(100n, 'KGS'), [1, 1, 1]).map((p) => p.amountMinor);
    expect(parts).toEqual([34n, 33n, 33n]);
  });

  it('computes fees with half-up rounding, capped at the gross', () => {
    expect(computeFee(money(10_000n, 'KGS'), { percentBps: 250, fixedMinor: 0n }).amountMinor).toBe(250n);
    // 1999 * 2.5% = 49.975 -> 50
    expect(computeFee(money(1999n, 'KGS'), { percentBps: 250, fixedMinor: 0n }).amountMinor).toBe(50n);
    // 1998 * 2.5% = 49.95 -> 50; 1978 * 2.5% = 49.45 -> 49
    expect(computeFee(money(1978n, 'KGS'), { percentBps: 250, fixedMinor: 10n }).amountMinor).toBe(59n);
    expect(computeFee(money(5n, 'KGS'), { percentBps: 0, fixedMinor: 10n }).amountMinor).toBe(5n);
  });
});
