import type { CurrencyCode } from '@tolem/money';

/**
 * Every payment method Tolem offers, the provider that moves its money, and the currencies it can
 * take. The one place these facts are written: checkout's method list and currency checks,
 * provider-adapters' names and registry, the gateway's API and page, and the proto mappings all
 * derive from it. A method's name is its proto enum value lower-cased without the prefix
 * (`PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE` is `webmoney_keeper_mobile`); the same holds for
 * providers. Adding a provider touches this file, the proto and its adapter folder.
 */
export const PROVIDERS = {
  webmoney: { title: 'WebMoney' },
  intellectmoney: { title: 'IntellectMoney' },
  paykassma: { title: 'Paykassma' },
  // `qr` is the method (and the callback path); the provider is the acquirer behind it.
  qr_acquirer: { title: 'Kyrgyz national QR (ELQR)' },
  // generator:providers (tools/generators/provider-adapter adds new providers above this line)
} as const satisfies Record<string, ProviderEntry>;

export type ProviderName = keyof typeof PROVIDERS;

/**
 * | method                  | provider       | currencies                   | why                                   |
 * |-------------------------|----------------|------------------------------|---------------------------------------|
 * | webmoney_purse          | webmoney       | USD, EUR, RUB, KZT           | WebMoney purse letters Z, E, R, K     |
 * | webmoney_keeper_mobile  | webmoney       | USD, EUR, RUB, KZT           | same purses as the Merchant Interface |
 * | card                    | intellectmoney | RUB, USD, EUR, KZT, UZS, KGS | IntellectMoney's card currencies      |
 * | wavepay                 | paykassma      | MMK                          | a Myanmar wallet                      |
 * | qr                      | qr_acquirer    | KGS                          | the Kyrgyz national QR standard       |
 */
export const PAYMENT_METHODS = {
  webmoney_purse: {
    provider: 'webmoney',
    currencies: ['USD', 'EUR', 'RUB', 'KZT'],
    takesPayerInput: false,
  },
  webmoney_keeper_mobile: {
    provider: 'webmoney',
    currencies: ['USD', 'EUR', 'RUB', 'KZT'],
    takesPayerInput: false,
  },
  card: {
    provider: 'intellectmoney',
    currencies: ['RUB', 'USD', 'EUR', 'KZT', 'UZS', 'KGS'],
    takesPayerInput: false,
  },
  // The payer types the wallet's transaction number on Tolem's page (SubmitPayerInput).
  wavepay: { provider: 'paykassma', currencies: ['MMK'], takesPayerInput: true },
  qr: { provider: 'qr_acquirer', currencies: ['KGS'], takesPayerInput: false },
} as const satisfies Record<string, MethodEntry>;

export type PaymentMethodName = keyof typeof PAYMENT_METHODS;

export interface ProviderEntry {
  /** How people call it, for pages and docs. */
  readonly title: string;
}

/** What a payment method is, independent of any merchant's settings. */
export interface MethodEntry {
  /** The provider that moves the money; one provider may serve several methods. */
  readonly provider: ProviderName;
  /** ISO 4217 codes the provider can take for this method. */
  readonly currencies: readonly CurrencyCode[];
  /** The payer completes a second step on Tolem's page (SubmitPayerInput). */
  readonly takesPayerInput: boolean;
}

/** Method names in catalog order (the order pages and APIs list them in). */
export const PAYMENT_METHOD_NAMES = Object.keys(PAYMENT_METHODS) as readonly PaymentMethodName[];

/** Provider names in catalog order. */
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as readonly ProviderName[];

export function isPaymentMethodName(value: string): value is PaymentMethodName {
  return Object.prototype.hasOwnProperty.call(PAYMENT_METHODS, value);
}

export function isProviderName(value: string): value is ProviderName {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, value);
}

export function methodEntry(method: PaymentMethodName): MethodEntry {
  return PAYMENT_METHODS[method];
}

/** Which provider moves the money for a method. */
export function providerOfMethod(method: PaymentMethodName): ProviderName {
  return PAYMENT_METHODS[method].provider;
}

/** The methods a provider serves, in catalog order. */
export function methodsOfProvider(provider: ProviderName): PaymentMethodName[] {
  return PAYMENT_METHOD_NAMES.filter((m) => PAYMENT_METHODS[m].provider === provider);
}

export function methodTakesCurrency(method: PaymentMethodName, currency: string): boolean {
  return (PAYMENT_METHODS[method].currencies as readonly string[]).includes(currency);
}
