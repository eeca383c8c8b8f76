import {
  PaymentMethod,
  paymentMethodFromName,
  paymentMethodName,
  Provider,
  providerFromName,
  providerName,
} from '@tolem/contracts/common';

/** The lower-case names used across Tolem (one table in @tolem/contracts); '' when unknown. */
export function methodString(method: PaymentMethod): string {
  return paymentMethodName(method) ?? '';
}

export function methodFromString(method: string): PaymentMethod {
  return paymentMethodFromName(method) ?? PaymentMethod.PAYMENT_METHOD_UNSPECIFIED;
}

export function providerString(provider: Provider): string {
  return providerName(provider) ?? '';
}

export function providerFromString(provider: string): Provider {
  return providerFromName(provider) ?? Provider.PROVIDER_UNSPECIFIED;
}
