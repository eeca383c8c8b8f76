import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';
import { money } from '@tolem/money';

import type { BindingState, CardBinding } from '../domain/card-binding';
import type { CardBindingRepository } from '../domain/ports';

interface CardBindingRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  provider_binding_ref: string;
  state: BindingState;
  card_last4: string;
  first_amount_minor: bigint;
  currency: string;
  created_at: Date;
}

function toDomain(row: CardBindingRow): CardBinding {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    providerBindingRef: row.provider_binding_ref,
    state: row.state,
    cardLast4: row.card_last4,
    firstAmount: money(row.first_amount_minor, row.currency),
    createdAt: row.created_at,
  };
}

export function createCardBindingsRepo(db: Knex): CardBindingRepository {
  return {
    async insertOnce(b) {
      const inserted = await db<CardBindingRow>('card_bindings')
        .insert({
          id: newId('cbd'),
          merchant_id: b.merchantId,
          payment_id: b.paymentId,
          provider_binding_ref: b.providerBindingRef,
          state: b.state,
          card_last4: b.cardLast4,
          first_amount_minor: b.firstAmount.amountMinor,
          currency: b.firstAmount.currency,
        })
        .onConflict('payment_id')
        .ignore()
        .returning('*');
      if (inserted[0]) return { binding: toDomain(inserted[0] as CardBindingRow), inserted: true };
      const existing = await db<CardBindingRow>('card_bindings').where({ payment_id: b.paymentId }).first();
      if (!existing) throw new Error('binding vanished after a conflicting insert');
      return { binding: toDomain(existing), inserted: false };
    },
    async listByMerchant(merchantId) {
      const rows = await db<CardBindingRow>('card_bindings')
        .where({ merchant_id: merchantId })
        .orderBy('created_at', 'desc')
        .limit(1000);
      return rows.map((r) => toDomain(r as CardBindingRow));
    },
  };
}
