import { describe, expect, it } from 'vitest';

import { PaymentMethod, Provider } from './gen/tolem/common/v1/payment';
import {
  PAYMENT_METHOD_NAMES,
  paymentMethodFromName,
  paymentMethodName,
  PROVIDER_NAMES,
  providerFromName,
  providerName,
} from './payment-names';

/** The numeric members of a ts-proto enum, without UNSPECIFIED (0) and UNRECOGNIZED (-1). */
const valuesOf = (e: Record<string, string | number>) =>
  Object.values(e).filter((v): v is number => typeof v === 'number' && v > 0);

describe('payment method and provider names', () => {
  it('names every payment method of the proto enum exactly once, and reads each name back', () => {
    const methods = valuesOf(PaymentMethod) as PaymentMethod[];
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) {
      const name = paymentMethodName(method);
      expect(name, PaymentMethod[method]).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(paymentMethodFromName(name as string)).toBe(method);
    }
    expect(Object.keys(PAYMENT_METHOD_NAMES)).toHaveLength(methods.length);
    expect(paymentMethodName(PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE)).toBe(
      'webmoney_keeper_mobile',
    );
  });

  it('names every provider of the proto enum exactly once, and reads each name back', () => {
    const providers = valuesOf(Provider) as Provider[];
    expect(providers.length).toBeGreaterThan(0);
    for (const provider of providers) {
      const name = providerName(provider);
      expect(name, Provider[provider]).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(providerFromName(name as string)).toBe(provider);
    }
    expect(Object.keys(PROVIDER_NAMES)).toHaveLength(providers.length);
    expect(providerName(Provider.PROVIDER_QR_ACQUIRER)).toBe('qr_acquirer');
  });

  it('has no name for UNSPECIFIED or UNRECOGNIZED, and no value for an unknown or inherited name', () => {
    expect(paymentMethodName(PaymentMethod.PAYMENT_METHOD_UNSPECIFIED)).toBeUndefined();
    expect(paymentMethodName(PaymentMethod.UNRECOGNIZED)).toBeUndefined();
    expect(providerName(Provider.PROVIDER_UNSPECIFIED)).toBeUndefined();
    expect(providerName(Provider.UNRECOGNIZED)).toBeUndefined();
    for (const name of ['', 'WEBMONEY_PURSE', 'bitcoin', 'toString', '__proto__', 'qr ']) {
      expect(paymentMethodFromName(name), name).toBeUndefined();
      expect(providerFromName(name), name).toBeUndefined();
    }
    // The method is `qr`; its provider is the acquirer.
    expect(providerFromName('qr')).toBeUndefined();
  });
});
