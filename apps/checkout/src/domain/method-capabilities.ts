import { methodEntry, methodTakesCurrency as catalogTakesCurrency } from '@tolem/catalog';

import type { PaymentMethod } from './payment';

/**
 * Which currency each method can take comes from @tolem/catalog (one table for every service).
 * Hosted pages only offer a method that can take the payment's currency, and StartPayment refuses
 * the others (PAYMENT_METHOD_UNAVAILABLE) before any provider is asked.
 */
export function methodTakesCurrency(method: PaymentMethod, currency: string): boolean {
  return catalogTakesCurrency(method, currency);
}

/** True for methods with a second payer step (Wavepay's wallet transaction number). */
export function methodTakesPayerInput(method: PaymentMethod): boolean {
  return methodEntry(method).takesPayerInput;
}

/** The merchant's enabled methods that can take `currency`, in the merchant's order. */
export function availableMethods(
  enabled: readonly PaymentMethod[],
  currency: string,
): PaymentMethod[] {
  return enabled.filter((m) => methodTakesCurrency(m, currency));
}
