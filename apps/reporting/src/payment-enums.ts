import {
  PaymentMethod,
  paymentMethodFromName,
  Provider,
  providerFromName,
} from '@tolem/contracts/common';

/** Proto enum of a lower-case method name (one table in @tolem/contracts); unspecified when unknown. */
export function methodFromString(method: string): PaymentMethod {
  return paymentMethodFromName(method) ?? PaymentMethod.PAYMENT_METHOD_UNSPECIFIED;
}

export function providerFromString(provider: string): Provider {
  return providerFromName(provider) ?? Provider.PROVIDER_UNSPECIFIED;
}
