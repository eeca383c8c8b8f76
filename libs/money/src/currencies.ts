/** ISO 4217 currencies Tolem handles: alphabetic code -> numeric code and minor-unit exponent. */
export const CURRENCIES = {
  KGS: { numeric: '417', exponent: 2 },
  KZT: { numeric: '398', exponent: 2 },
  UZS: { numeric: '860', exponent: 2 },
  RUB: { numeric: '643', exponent: 2 },
  USD: { numeric: '840', exponent: 2 },
  EUR: { numeric: '978', exponent: 2 },
  MMK: { numeric: '104', exponent: 2 },
  VND: { numeric: '704', exponent: 0 },
  JPY: { numeric: '392', exponent: 0 },
  BYN: { numeric: '933', exponent: 2 },
  UAH: { numeric: '980', exponent: 2 },
  KWD: { numeric: '414', exponent: 3 },
} as const;

export type CurrencyCode = keyof typeof CURRENCIES;

export function isCurrencyCode(value: string): value is CurrencyCode {
  return Object.prototype.hasOwnProperty.call(CURRENCIES, value);
}

export function exponentOf(currency: CurrencyCode): number {
  return CURRENCIES[currency].exponent;
}

export function numericCodeOf(currency: CurrencyCode): string {
  return CURRENCIES[currency].numeric;
}
