import { describe, expect, it } from 'vitest';

import { METHOD_NAME_LIST } from '../mappers/enums.mapper';
import {
  CATALOGUES,
  formatMoney,
  formatSeconds,
  localeFromAcceptLanguage,
  LOCALES,
  type Messages,
  negotiateLocale,
} from './i18n';

/** Every leaf of a catalogue as [path, text]; functions are called with a sample argument. */
function leaves(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (typeof value === 'function')
    return [[`${path}()`, String((value as (a: string) => string)('7'))]];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  }
  throw new Error(`${path} is neither text nor a table`);
}

/** Names of brands and payment systems, the same in every language. */
const SAME_EVERYWHERE = new Set([
  'brand',
  'methods.webmoney_purse.label',
  'methods.webmoney_keeper_mobile.label',
]);

describe('message catalogues', () => {
  const english = new Map(leaves(CATALOGUES.en));

  it.each(LOCALES)('%s has every key of the English catalogue, each a non-empty text', (locale) => {
    const own = leaves(CATALOGUES[locale]);
    expect(own.map(([k]) => k).sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of own) expect(text.trim(), `${locale}: ${key}`).not.toBe('');
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s is translated, not English copied', (locale) => {
    const copied = leaves(CATALOGUES[locale])
      .filter(([key, text]) => !SAME_EVERYWHERE.has(key) && english.get(key) === text)
      .map(([key]) => key);
    expect(copied).toEqual([]);
  });

  it('names every payment method of the catalog in every language', () => {
    for (const locale of LOCALES) {
      const methods: Messages['methods'] = CATALOGUES[locale].methods;
      expect(Object.keys(methods).sort()).toEqual([...METHOD_NAME_LIST].sort());
    }
  });

  it('each language names itself in its own script', () => {
    expect(LOCALES.map((l) => CATALOGUES[l].languageName)).toEqual([
      'Русский',
      'English',
      'Кыргызча',
      'မြန်မာ',
    ]);
  });
});

describe('choosing the language', () => {
  it('takes the best supported Accept-Language range by weight, then order', () => {
    expect(localeFromAcceptLanguage('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7')).toBe('ru');
    expect(localeFromAcceptLanguage('de-DE,de;q=0.9,ky;q=0.8,ru;q=0.7')).toBe('ky');
    expect(localeFromAcceptLanguage('en;q=0.5, my-MM')).toBe('my');
    expect(localeFromAcceptLanguage('ru;q=0.1, en;q=0.100, ky;q=0.2')).toBe('ky');
    expect(localeFromAcceptLanguage('ru;q=0, en')).toBe('en');
    expect(localeFromAcceptLanguage('MY')).toBe('my');
  });

  it('finds none in a header without a supported language or in a malformed one', () => {
    expect(localeFromAcceptLanguage(undefined)).toBeUndefined();
    expect(localeFromAcceptLanguage('*')).toBeUndefined();
    expect(localeFromAcceptLanguage('de, fr;q=0.5')).toBeUndefined();
    expect(localeFromAcceptLanguage(';;,,q=x')).toBeUndefined();
  });

  it('a just chosen language beats the kept one, which beats the browser, then English', () => {
    const base = { query: undefined, cookie: undefined, acceptLanguage: undefined };
    expect(negotiateLocale(base)).toBe('en');
    expect(negotiateLocale({ ...base, acceptLanguage: 'ky' })).toBe('ky');
    expect(negotiateLocale({ ...base, cookie: 'my', acceptLanguage: 'ky' })).toBe('my');
    expect(negotiateLocale({ query: 'ru', cookie: 'my', acceptLanguage: 'ky' })).toBe('ru');
    // Unknown or odd values (a repeated ?lang= arrives as an array) are ignored.
    expect(negotiateLocale({ query: ['ru', 'en'], cookie: 'xx', acceptLanguage: 'ky' })).toBe('ky');
  });
});

describe('formatMoney', () => {
  it('formats minor units per locale with the currency of the ISO code', () => {
    const rub = { amountMinor: 123_456_789n, currency: 'RUB' };
    expect(formatMoney(rub, 'en')).toBe('RUB\u00a01,234,567.89');
    expect(formatMoney(rub, 'ru')).toBe('1\u00a0234\u00a0567,89\u00a0₽');
    const kgs = { amountMinor: 150_000n, currency: 'KGS' };
    expect(formatMoney(kgs, 'ky')).toBe('1\u00a0500,00\u00a0сом');
    // Burmese writes numbers in Myanmar digits; the kyat sign is K.
    expect(formatMoney({ amountMinor: 500_000n, currency: 'MMK' }, 'my')).toBe('၅,၀၀၀.၀၀\u00a0K');
  });

  it('uses the currency exponent of libs/money: 0, 2 and 3 decimals', () => {
    expect(formatMoney({ amountMinor: 1500n, currency: 'JPY' }, 'en')).toBe('¥1,500');
    expect(formatMoney({ amountMinor: 7n, currency: 'USD' }, 'en')).toBe('$0.07');
    expect(formatMoney({ amountMinor: 1n, currency: 'KWD' }, 'ru')).toBe('0,001\u00a0KWD');
    expect(formatMoney({ amountMinor: -5n, currency: 'EUR' }, 'en')).toBe('-€0.05');
  });

  it('is exact beyond the range of a double (no float on the way)', () => {
    // 2^53 + 1 minor units: a Number would print ...992.00 or ...994.00.
    const big = { amountMinor: 9_007_199_254_740_993n, currency: 'USD' };
    expect(formatMoney(big, 'en')).toBe('$90,071,992,547,409.93');
    const max = { amountMinor: 9_223_372_036_854_775_807n, currency: 'RUB' };
    expect(formatMoney(max, 'en')).toBe('RUB\u00a092,233,720,368,547,758.07');
  });

  it('shows an unknown currency as the integer it was given', () => {
    expect(formatMoney({ amountMinor: 12345n, currency: 'ZZZ' }, 'ru')).toBe('12\u00a0345 ZZZ');
    expect(formatMoney(undefined, 'en')).toBe('');
  });
});

describe('formatSeconds', () => {
  it('spells the countdown with the plural form and digits of each locale', () => {
    expect(formatSeconds(5, 'en')).toBe('5 seconds');
    expect(formatSeconds(1, 'en')).toBe('1 second');
    expect(formatSeconds(5, 'ru')).toBe('5 секунд');
    expect(formatSeconds(2, 'ru')).toBe('2 секунды');
    expect(formatSeconds(5, 'my')).toMatch(/^၅/);
  });
});
