import type { Money } from '@tolem/money';

export type BindingState = 'activated' | 'error';

/** A card bound on a first card payment; later charges use providerBindingRef, never card data. */
export interface CardBinding {
  id: string;
  merchantId: string;
  paymentId: string;
  providerBindingRef: string;
  state: BindingState;
  cardLast4: string;
  firstAmount: Money;
  createdAt: Date;
}

export type NewCardBinding = Omit<CardBinding, 'id' | 'createdAt'>;

/** Fields that must match when the same payment's binding is recorded again. */
export function bindingConflictField(existing: CardBinding, incoming: NewCardBinding): string | undefined {
  if (existing.merchantId !== incoming.merchantId) return 'merchant_id';
  if (existing.providerBindingRef !== incoming.providerBindingRef) return 'provider_binding_ref';
  if (existing.state !== incoming.state) return 'state';
  if (existing.cardLast4 !== incoming.cardLast4) return 'card_last4';
  if (
    existing.firstAmount.amountMinor !== incoming.firstAmount.amountMinor ||
    existing.firstAmount.currency !== incoming.firstAmount.currency
  ) {
    return 'first_amount';
  }
  return undefined;
}
