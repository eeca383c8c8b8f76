import type { PaymentMethod } from './payment';

/** What a payment method can do, independent of any merchant's settings. */
export interface MethodCapability {
  /** ISO 4217 codes the method's provider can take. */
  currencies: readonly string[];
  /** The payer completes a second step on Tolem's page (SubmitPayerInput). */
  takesPayerInput: boolean;
}

/**
 * Which currency each method can take:
 *
 * | method                  | currencies                          | why                                   |
 * |-------------------------|-------------------------------------|---------------------------------------|
 * | webmoney_purse          | USD, EUR, RUB, KZT                  | WebMoney purse letters Z, E, R, K     |
 * | webmoney_keeper_mobile  | USD, EUR, RUB, KZT                  | same purses as the Merchant Interface |
 * | card (IntellectMoney)   | RUB, USD, EUR, KZT, UZS, KGS        | IntellectMoney's card currencies      |
 * | wavepay (Paykassma)     | MMK                                 | a Myanmar wallet                      |
 * | qr (ELQR)               | KGS                                 | the Kyrgyz national QR standard       |
 *
 * Hosted pages only offer a method that can take the payment's currency, and StartPayment refuses
 * the others (PAYMENT_METHOD_UNAVAILABLE) before any provider is asked.
 */
export const METHOD_CAPABILITIES: Readonly<Record<PaymentMethod, MethodCapability>> = {
  webmoney_purse: { currencies: ['USD', 'EUR', 'RUB', 'KZT'], takesPayerInput: false },
  webmoney_keeper_mobile: { currencies: ['USD', 'EUR', 'RUB', 'KZT'], takesPayerInput: false },
  card: { currencies: ['RUB', 'USD', 'EUR', 'KZT', 'UZS', 'KGS'], takesPayerInput: false },
  wavepay: { currencies: ['MMK'], takesPayerInput: true },
  qr: { currencies: ['KGS'], takesPayerInput: false },
};

export function methodTakesCurrency(method: PaymentMethod, currency: string): boolean {
  return METHOD_CAPABILITIES[method].currencies.includes(currency);
}

/** True for methods with a second payer step (Wavepay's wallet transaction number). */
export function methodTakesPayerInput(method: PaymentMethod): boolean {
  return METHOD_CAPABILITIES[method].takesPayerInput;
}

/** The merchant's enabled methods that can take `currency`, in the merchant's order. */
export function availableMethods(
  enabled: readonly PaymentMethod[],
  currency: string,
): PaymentMethod[] {
  return enabled.filter((m) => methodTakesCurrency(m, currency));
}
