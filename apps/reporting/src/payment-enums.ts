import { PaymentMethod, Provider } from '@tolem/contracts/common';

/** The lower-case wire strings used across Tolem (gateway, notifications, reports). */
const METHODS: ReadonlyArray<[PaymentMethod, string]> = [
  [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE, 'webmoney_purse'],
  [PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE, 'webmoney_keeper_mobile'],
  [PaymentMethod.PAYMENT_METHOD_CARD, 'card'],
  [PaymentMethod.PAYMENT_METHOD_WAVEPAY, 'wavepay'],
  [PaymentMethod.PAYMENT_METHOD_QR, 'qr'],
];

const PROVIDERS: ReadonlyArray<[Provider, string]> = [
  [Provider.PROVIDER_WEBMONEY, 'webmoney'],
  [Provider.PROVIDER_INTELLECTMONEY, 'intellectmoney'],
  [Provider.PROVIDER_PAYKASSMA, 'paykassma'],
  [Provider.PROVIDER_QR_ACQUIRER, 'qr_acquirer'],
];

export function methodString(method: PaymentMethod): string {
  return METHODS.find(([m]) => m === method)?.[1] ?? '';
}

export function methodFromString(method: string): PaymentMethod {
  return METHODS.find(([, s]) => s === method)?.[0] ?? PaymentMethod.PAYMENT_METHOD_UNSPECIFIED;
}

export function providerString(provider: Provider): string {
  return PROVIDERS.find(([p]) => p === provider)?.[1] ?? '';
}

export function providerFromString(provider: string): Provider {
  return PROVIDERS.find(([, s]) => s === provider)?.[0] ?? Provider.PROVIDER_UNSPECIFIED;
}
