import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import type { PendingCardBinding } from '../domain/card-binding';
import type { PendingCardBindingRepository } from '../domain/ports';

interface PendingCardBindingRow {
  payment_id: string;
  merchant_id: string;
  binding_ref: string;
  state: PendingCardBinding['state'];
  card_last4: string;
  first_amount_minor: bigint;
  currency: string;
  customer_ref: string;
  card_expiry: string;
  livemode: boolean;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  recorded_at: Date | null;
  gave_up_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toDomain(row: PendingCardBindingRow): PendingCardBinding {
  return {
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    bindingRef: row.binding_ref,
    state: row.state,
    cardLast4: row.card_last4,
    firstAmount: money(row.first_amount_minor, row.currency.trim()),
    customerRef: row.customer_ref,
    cardExpiry: row.card_expiry,
    livemode: row.livemode,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    recordedAt: row.recorded_at,
    gaveUpAt: row.gave_up_at,
    createdAt: row.created_at,
  };
}

const TABLE = 'pending_card_bindings';

export function createPendingCardBindingsRepo(db: Knex): PendingCardBindingRepository {
  return {
    async enqueue(b) {
      const inserted = (await db(TABLE)
        .insert({
          payment_id: b.paymentId,
          merchant_id: b.merchantId,
          binding_ref: b.bindingRef,
          state: b.state,
          card_last4: b.cardLast4,
          first_amount_minor: b.firstAmount.amountMinor,
          currency: b.firstAmount.currency,
          customer_ref: b.customerRef,
          card_expiry: b.cardExpiry,
          livemode: b.livemode,
          next_attempt_at: b.nextAttemptAt,
          created_at: b.createdAt,
          updated_at: b.createdAt,
        })
        .onConflict('payment_id')
        .ignore()
        .returning('*')) as PendingCardBindingRow[];
      const row = inserted[0];
      if (row) return { inserted: true, binding: toDomain(row) };
      const existing = (await db(TABLE).where({ payment_id: b.paymentId }).first()) as
        | PendingCardBindingRow
        | undefined;
      if (!existing) throw new Error('pending card binding vanished after a conflicting insert');
      return { inserted: false, binding: toDomain(existing) };
    },

    async markRecorded(paymentId, at) {
      await db(TABLE)
        .where({ payment_id: paymentId })
        .whereNull('recorded_at')
        .update({ recorded_at: at, last_error: null, updated_at: at });
    },

    async markFailed(paymentId, failure) {
      await db(TABLE)
        .where({ payment_id: paymentId })
        .whereNull('recorded_at')
        .update({
          attempts: db.raw('attempts + 1'),
          last_error: failure.error.slice(0, 200),
          next_attempt_at: failure.nextAttemptAt,
          gave_up_at: failure.giveUp ? failure.at : null,
          updated_at: failure.at,
        });
    },

    async listDue(now, limit) {
      const rows = (await db(TABLE)
        .whereNull('recorded_at')
        .whereNull('gave_up_at')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)) as PendingCardBindingRow[];
      return rows.map(toDomain);
    },
  };
}
