import { describe, expect, it } from 'vitest';

import {
  availableMethods,
  methodTakesCurrency,
  methodTakesPayerInput,
} from './method-capabilities';
import { PAYMENT_METHODS, type PaymentMethod } from './payment';

describe('method capabilities', () => {
  it.each<[PaymentMethod, string[], string[]]>([
    ['webmoney_purse', ['USD', 'EUR', 'RUB', 'KZT'], ['KGS', 'MMK', 'UZS']],
    ['webmoney_keeper_mobile', ['USD', 'EUR', 'RUB', 'KZT'], ['KGS', 'MMK']],
    ['card', ['RUB', 'USD', 'EUR', 'KZT', 'UZS', 'KGS'], ['MMK', 'JPY']],
    ['wavepay', ['MMK'], ['USD', 'KGS']],
    ['qr', ['KGS'], ['USD', 'RUB', 'MMK']],
  ])('%s takes %j and not %j', (method, yes, no) => {
    for (const c of yes) expect(methodTakesCurrency(method, c)).toBe(true);
    for (const c of no) expect(methodTakesCurrency(method, c)).toBe(false);
  });

  it('only wavepay takes payer input', () => {
    expect(PAYMENT_METHODS.filter(methodTakesPayerInput)).toEqual(['wavepay']);
  });

  it("offers the merchant's enabled methods that take the currency, in the merchant's order", () => {
    const enabled: PaymentMethod[] = ['qr', 'webmoney_purse', 'card', 'wavepay'];
    expect(availableMethods(enabled, 'KGS')).toEqual(['qr', 'card']);
    expect(availableMethods(enabled, 'USD')).toEqual(['webmoney_purse', 'card']);
    expect(availableMethods(enabled, 'MMK')).toEqual(['wavepay']);
    expect(availableMethods(enabled, 'JPY')).toEqual([]);
  });
});
