import { isCurrencyCode } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import {
  isPaymentMethodName,
  isProviderName,
  methodsOfProvider,
  methodTakesCurrency,
  PAYMENT_METHOD_NAMES,
  PAYMENT_METHODS,
  PROVIDER_NAMES,
  providerOfMethod,
} from './catalog';
import { isVatRate, VAT_CODE_OF_RATE, VAT_RATES } from './vat';

describe('payment catalog', () => {
  it('gives every method exactly one provider the catalog knows', () => {
    for (const method of PAYMENT_METHOD_NAMES) {
      expect(isProviderName(providerOfMethod(method)), method).toBe(true);
      const owners = PROVIDER_NAMES.filter((p) => methodsOfProvider(p).includes(method));
      expect(owners, method).toEqual([providerOfMethod(method)]);
    }
  });

  it('lets every provider serve at least one method', () => {
    for (const provider of PROVIDER_NAMES) {
      expect(methodsOfProvider(provider).length, provider).toBeGreaterThan(0);
    }
  });

  it('accepts only ISO 4217 currencies of @tolem/money, each once, at least one per method', () => {
    for (const method of PAYMENT_METHOD_NAMES) {
      const { currencies } = PAYMENT_METHODS[method];
      expect(currencies.length, method).toBeGreaterThan(0);
      expect(new Set(currencies).size, method).toBe(currencies.length);
      for (const currency of currencies) expect(isCurrencyCode(currency), currency).toBe(true);
    }
  });

  it('spells names as lower snake case, so they map to proto enum values by upper-casing', () => {
    for (const name of [...PAYMENT_METHOD_NAMES, ...PROVIDER_NAMES]) {
      expect(name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    }
  });

  it('answers currency and name questions from the table', () => {
    expect(methodTakesCurrency('qr', 'KGS')).toBe(true);
    expect(methodTakesCurrency('qr', 'USD')).toBe(false);
    expect(methodTakesCurrency('wavepay', 'mmk')).toBe(false);
    expect(providerOfMethod('webmoney_keeper_mobile')).toBe('webmoney');
    expect(methodsOfProvider('webmoney')).toEqual(['webmoney_purse', 'webmoney_keeper_mobile']);
    for (const name of ['', 'qr ', 'QR', 'toString', '__proto__', 'bitcoin']) {
      expect(isPaymentMethodName(name), name).toBe(false);
      expect(isProviderName(name), name).toBe(false);
    }
    // The method is `qr`; its provider is the acquirer.
    expect(isProviderName('qr')).toBe(false);
  });
});

describe('VAT rates', () => {
  it('maps every rate to its YooKassa vat_code, each code once, and only vat12 to none', () => {
    const codes = Object.values(VAT_CODE_OF_RATE).filter((c) => c !== null);
    expect([...codes].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(VAT_CODE_OF_RATE.vat22).toBe(11);
    expect(VAT_CODE_OF_RATE.vat22_122).toBe(12);
    expect(VAT_RATES.filter((r) => VAT_CODE_OF_RATE[r] === null)).toEqual(['vat12']);
    expect(isVatRate('vat22_122')).toBe(true);
    expect(isVatRate('vat18')).toBe(false);
    expect(isVatRate('toString')).toBe(false);
  });
});
