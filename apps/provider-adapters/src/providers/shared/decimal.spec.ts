import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { decimalEquals, decimalMoney, jsonDecimalText } from './decimal';

describe('decimalEquals', () => {
  it('compares values exactly, whatever the spelling', () => {
    const m = money(10050n, 'RUB');
    expect(decimalEquals('100.50', m)).toBe(true);
    expect(decimalEquals('100.5', m)).toBe(true);
    expect(decimalEquals(' 100.50 ', m)).toBe(true);
    expect(decimalEquals('100.51', m)).toBe(false);
    expect(decimalEquals('100.500', m)).toBe(false);
    expect(decimalEquals('1e2', m)).toBe(false);
    expect(decimalEquals('', m)).toBe(false);
  });
});

describe('jsonDecimalText', () => {
  it('spells JSON numbers and numeric strings without arithmetic', () => {
    expect(jsonDecimalText(500)).toBe('500');
    expect(jsonDecimalText(500.5)).toBe('500.5');
    expect(jsonDecimalText('500.00')).toBe('500.00');
    expect(jsonDecimalText('5e2')).toBeUndefined();
    expect(jsonDecimalText(Number.NaN)).toBeUndefined();
    expect(jsonDecimalText(null)).toBeUndefined();
  });
});

describe('decimalMoney', () => {
  it('reads the sum exactly: zeros past the currency digits are spelling, other digits refused', () => {
    expect(decimalMoney('14.650', 'USD')).toEqual(money(1465n, 'USD'));
    expect(decimalMoney(' 100.00 ', 'USD')).toEqual(money(10000n, 'USD'));
    expect(decimalMoney('500', 'MMK')).toEqual(money(50000n, 'MMK'));
    expect(decimalMoney('500.0', 'MMK')).toEqual(money(50000n, 'MMK'));
    expect(() => decimalMoney('14.651', 'USD')).toThrow();
    expect(() => decimalMoney('1e2', 'USD')).toThrow();
    expect(() => decimalMoney('', 'USD')).toThrow();
  });
});
