import type { Money } from '@tolem/money';

export type BindingState = 'activated' | 'error' | 'revoked';

/**
 * Seed 003: when the provider reports recurringState=Error the card cannot be charged and the
 * merchant is told to write to the provider's technical support.
 */
export const BINDING_ERROR_MESSAGE =
  'The card could not be bound for recurring charges (provider recurringState=Error): contact support.';

/** A card bound on a first card payment; later charges use providerBindingRef, never card data. */
export interface CardBinding {
  id: string;
  merchantId: string;
  paymentId: string;
  providerBindingRef: string;
  state: BindingState;
  cardLast4: string;
  firstAmount: Money;
  /** The merchant's reference of its customer; empty when none. */
  customerRef: string;
  /** `MM/YY`, empty when the provider did not report it. */
  cardExpiry: string;
  /** ERROR: what the merchant should do (BINDING_ERROR_MESSAGE). */
  failureMessage: string;
  livemode: boolean;
  revokedAt: Date | null;
  createdAt: Date;
}

/** What RecordCardBinding records: the provider's result, never REVOKED. */
export type NewCardBinding = Omit<
  CardBinding,
  'id' | 'createdAt' | 'failureMessage' | 'revokedAt' | 'state'
> & { state: 'activated' | 'error' };

/** Fields that must match when the same payment's binding is recorded again. */
export function bindingConflictField(
  existing: CardBinding,
  incoming: NewCardBinding,
): string | undefined {
  if (existing.merchantId !== incoming.merchantId) return 'merchant_id';
  if (existing.providerBindingRef !== incoming.providerBindingRef) return 'provider_binding_ref';
  // A revoked binding was activated when recorded: recording that activation again is a replay.
  const recordedState = existing.state === 'revoked' ? 'activated' : existing.state;
  if (recordedState !== incoming.state) return 'state';
  if (existing.cardLast4 !== incoming.cardLast4) return 'card_last4';
  if (
    existing.firstAmount.amountMinor !== incoming.firstAmount.amountMinor ||
    existing.firstAmount.currency !== incoming.firstAmount.currency
  ) {
    return 'first_amount';
  }
  if (existing.customerRef !== incoming.customerRef) return 'customer_ref';
  if (existing.cardExpiry !== incoming.cardExpiry) return 'card_expiry';
  if (existing.livemode !== incoming.livemode) return 'livemode';
  return undefined;
}
