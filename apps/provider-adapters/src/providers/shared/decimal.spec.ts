import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import { decimalEquals, jsonDecimalText } from './decimal';

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
