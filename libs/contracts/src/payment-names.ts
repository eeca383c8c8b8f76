import { PaymentMethod, Provider } from './gen/tolem/common/v1/payment';

/**
 * The lower-case name of each payment method and provider: what merchants send and receive over
 * HTTP, what notifications and reports carry, and what services store. One table, read both ways,
 * so no service spells one differently.
 */
export const PAYMENT_METHOD_NAMES = {
  webmoney_purse: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  webmoney_keeper_mobile: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
  card: PaymentMethod.PAYMENT_METHOD_CARD,
  wavepay: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
  qr: PaymentMethod.PAYMENT_METHOD_QR,
} as const satisfies Record<string, PaymentMethod>;

export type PaymentMethodName = keyof typeof PAYMENT_METHOD_NAMES;

export const PROVIDER_NAMES = {
  webmoney: Provider.PROVIDER_WEBMONEY,
  intellectmoney: Provider.PROVIDER_INTELLECTMONEY,
  paykassma: Provider.PROVIDER_PAYKASSMA,
  // `qr` is the method (and the callback path); the provider is the acquirer behind it.
  qr_acquirer: Provider.PROVIDER_QR_ACQUIRER,
} as const satisfies Record<string, Provider>;

export type ProviderName = keyof typeof PROVIDER_NAMES;

function nameOf<N extends string, V>(table: Readonly<Record<N, V>>, value: V): N | undefined {
  for (const name of Object.keys(table) as N[]) if (table[name] === value) return name;
  return undefined;
}

function valueOf<N extends string, V>(table: Readonly<Record<N, V>>, name: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name as N] : undefined;
}

/** Undefined for UNSPECIFIED and values this build does not know. */
export function paymentMethodName(method: PaymentMethod): PaymentMethodName | undefined {
  return nameOf(PAYMENT_METHOD_NAMES, method);
}

export function paymentMethodFromName(name: string): PaymentMethod | undefined {
  return valueOf(PAYMENT_METHOD_NAMES, name);
}

export function providerName(provider: Provider): ProviderName | undefined {
  return nameOf(PROVIDER_NAMES, provider);
}

export function providerFromName(name: string): Provider | undefined {
  return valueOf(PROVIDER_NAMES, name);
}
