import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import { methodFromString, providerFromString } from './payment-enums';

describe('payment enums', () => {
  it('maps the lower-case names back to proto enums, unspecified when unknown', () => {
    expect(methodFromString('webmoney_keeper_mobile')).toBe(
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    );
    expect(methodFromString('')).toBe(PaymentMethod.PAYMENT_METHOD_UNSPECIFIED);
    expect(providerFromString('webmoney')).toBe(Provider.PROVIDER_WEBMONEY);
    expect(providerFromString('nope')).toBe(Provider.PROVIDER_UNSPECIFIED);
  });
});
