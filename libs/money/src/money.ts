import { defineErrors,DomainError } from '@tolem/errors';

import { type CurrencyCode, exponentOf, isCurrencyCode } from './currencies';

export const moneyErrors = defineErrors({
  MONEY_UNKNOWN_CURRENCY: 'invalid',
  MONEY_NEGATIVE_AMOUNT: 'invalid',
  MONEY_ZERO_AMOUNT: 'invalid',
  MONEY_AMOUNT_OVERFLOW: 'invalid',
  MONEY_NOT_AN_INTEGER: 'invalid',
  MONEY_CURRENCY_MISMATCH: 'invalid',
  MONEY_BAD_DECIMAL: 'invalid',
});

/** An amount in integer minor units of one currency. Never a float. */
export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

/** Largest amount a PostgreSQL bigint / proto int64 holds. */
export const MAX_MINOR = 9_223_372_036_854_775_807n;

function checkRange(amountMinor: bigint): void {
  if (amountMinor > MAX_MINOR || amountMinor < -MAX_MINOR) {
    throw moneyErrors.create('MONEY_AMOUNT_OVERFLOW', 'amount does not fit in 64 bits');
  }
}

export function money(amountMinor: bigint, currency: string): Money {
  if (!isCurrencyCode(currency)) {
    throw moneyErrors.create('MONEY_UNKNOWN_CURRENCY', `unknown currency ${JSON.stringify(currency)}`, {
      details: { currency },
    });
  }
  checkRange(amountMinor);
  return { amountMinor, currency };
}

/** A strictly positive amount, as every payment request must carry. */
export function positiveMoney(amountMinor: bigint, currency: string): Money {
  const m = money(amountMinor, currency);
  if (m.amountMinor < 0n) throw moneyErrors.create('MONEY_NEGATIVE_AMOUNT', 'amount must not be negative');
  if (m.amountMinor === 0n) throw moneyErrors.create('MONEY_ZERO_AMOUNT', 'amount must be greater than zero');
  return m;
}

/**
 * Parses an amount from JSON: only safe integers are accepted (Stripe-like), or a decimal
 * integer string for values beyond 2^53.
 */
export function minorFromJson(value: unknown): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw moneyErrors.create(
        'MONEY_NOT_AN_INTEGER',
        'amount must be an integer number of minor units not above 2^53-1 (send larger values as a string)',
      );
    }
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) {
    const v = BigInt(value);
    checkRange(v);
    return v;
  }
  throw moneyErrors.create('MONEY_NOT_AN_INTEGER', 'amount must be an integer number of minor units');
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw moneyErrors.create('MONEY_CURRENCY_MISMATCH', `cannot combine ${a.currency} and ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency);
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amountMinor === b.amountMinor;
}

/**
 * Splits an amount by ratios with no minor unit lost; the remainder goes to the first parts,
 * one unit each.
 */
export function allocate(m: Money, ratios: readonly number[]): Money[] {
  if (ratios.length === 0 || ratios.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new DomainError('MONEY_BAD_RATIOS', 'invalid', 'ratios must be non-negative integers');
  }
  const total = ratios.reduce((s, r) => s + BigInt(r), 0n);
  if (total === 0n) throw new DomainError('MONEY_BAD_RATIOS', 'invalid', 'ratios must not all be zero');
  const parts = ratios.map((r) => (m.amountMinor * BigInt(r)) / total);
  let remainder = m.amountMinor - parts.reduce((s, p) => s + p, 0n);
  for (let i = 0; remainder > 0n; i = (i + 1) % parts.length) {
    parts[i] = (parts[i] as bigint) + 1n;
    remainder -= 1n;
  }
  return parts.map((p) => ({ amountMinor: p, currency: m.currency }));
}

/** "12.08" for 1208 USD. For display and provider wire formats only; never parse it back into math. */
export function toMajorString(m: Money): string {
  const exp = exponentOf(m.currency);
  const negative = m.amountMinor < 0n;
  const digits = (negative ? -m.amountMinor : m.amountMinor).toString().padStart(exp + 1, '0');
  const whole = exp === 0 ? digits : digits.slice(0, -exp);
  const frac = exp === 0 ? '' : `.${digits.slice(-exp)}`;
  return `${negative ? '-' : ''}${whole}${frac}`;
}

/**
 * Parses a provider's decimal string ("14.65", "14.6", "100") exactly, with no float in between.
 * More fraction digits than the currency has is an error, never a rounding.
 */
export function fromMajorString(text: string, currency: string): Money {
  const cur = money(0n, currency).currency;
  const exp = exponentOf(cur);
  const match = /^(\d{1,19})(?:\.(\d+))?$/.exec(text);
  if (!match) throw moneyErrors.create('MONEY_BAD_DECIMAL', 'not a decimal amount');
  const frac = match[2] ?? '';
  if (frac.length > exp) {
    throw moneyErrors.create('MONEY_BAD_DECIMAL', `more than ${exp} fraction digits for ${cur}`);
  }
  const minor = BigInt((match[1] as string) + frac.padEnd(exp, '0'));
  return money(minor, cur);
}
