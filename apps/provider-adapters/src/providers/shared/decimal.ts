import { fromMajorString, type Money } from '@tolem/money';

/**
 * Whether a provider's decimal text is exactly the amount (value, not spelling: "100", "100.0"
 * and "100.00" are the same sum). Never rounds; text that is not a plain decimal is unequal.
 */
export function decimalEquals(text: string, amount: Money): boolean {
  try {
    return fromMajorString(text.trim(), amount.currency).amountMinor === amount.amountMinor;
  } catch {
    return false;
  }
}

/**
 * A JSON number or numeric string from a provider body as decimal text, without going through
 * arithmetic (JSON.parse already made it a double; its shortest spelling is what was sent for
 * every amount with at most 15 significant digits). Undefined for anything else.
 */
export function jsonDecimalText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string' && /^\d{1,18}(\.\d{1,8})?$/.test(value.trim())) return value.trim();
  return undefined;
}

/**
 * A provider's decimal text as Money, exactly: "14.65", "14.650" and "14.6500" are the same sum
 * (zeros past the currency's digits are spelling); any other extra digit, or text that is not a
 * plain decimal, throws. Never rounds.
 */
export function decimalMoney(text: string, currency: string): Money {
  const trimmed = text
    .trim()
    .replace(/^(\d+\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
  return fromMajorString(trimmed, currency);
}
