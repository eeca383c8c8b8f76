import type { CardBinding, NewCardBinding } from './card-binding';

/** Storage of card bindings; one binding per payment. */
export interface CardBindingRepository {
  /** Inserts unless the payment already has a binding; returns the stored one either way. */
  insertOnce(binding: NewCardBinding): Promise<{ binding: CardBinding; inserted: boolean }>;
  listByMerchant(merchantId: string): Promise<CardBinding[]>;
}
