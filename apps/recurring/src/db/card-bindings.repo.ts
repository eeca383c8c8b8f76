import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import type { CardBindingRepository, PageAnchor } from '../domain/ports';
import { nextOccurrence } from '../domain/schedule';
import { settleDueOccurrences } from '../scheduler/materialize';
import { enqueueFact } from './facts.repo';
import { anchorPosition, keysetPage } from './paging';
import {
  bindingFromRow,
  type CardBindingRow,
  lockBinding,
  operationFromRow,
  operationToRow,
  type ScheduledOperationRow,
} from './rows';

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
          customer_ref: b.customerRef,
          card_expiry: b.cardExpiry,
          failure_message: b.failureMessage,
          livemode: b.livemode,
        })
        .onConflict('payment_id')
        .ignore()
        .returning('*');
      if (inserted[0])
        return { binding: bindingFromRow(inserted[0] as CardBindingRow), inserted: true };
      const existing = await db<CardBindingRow>('card_bindings')
        .where({ payment_id: b.paymentId })
        .first();
      if (!existing) throw new Error('binding vanished after a conflicting insert');
      return { binding: bindingFromRow(existing as CardBindingRow), inserted: false };
    },

    async findById(merchantId, bindingId) {
      const row = (await db<CardBindingRow>('card_bindings')
        .where({ id: bindingId, merchant_id: merchantId })
        .first()) as CardBindingRow | undefined;
      return row && bindingFromRow(row);
    },

    positionOf: (merchantId, id, livemode) =>
      anchorPosition(db, 'card_bindings', { merchantId, id, livemode }),

    // card_bindings_merchant_idx / card_bindings_customer_idx bound the scan at the anchor.
    async list(filter, anchor: PageAnchor, limit) {
      const q = db<CardBindingRow>('card_bindings').where('merchant_id', filter.merchantId);
      if (filter.customerRef) void q.andWhere('customer_ref', filter.customerRef);
      if (filter.state) void q.andWhere('state', filter.state);
      if (filter.livemode !== null) void q.andWhere('livemode', filter.livemode);
      const rows = (await keysetPage(q, 'card_bindings', anchor, limit)) as CardBindingRow[];
      return rows.map(bindingFromRow);
    },

    async revoke(merchantId, bindingId, revoke) {
      return db.transaction(async (trx) => {
        const binding = await lockBinding(trx, merchantId, bindingId, 'update');
        if (!binding) return undefined;
        const live = (await trx<ScheduledOperationRow>('scheduled_operations')
          .where({ binding_id: bindingId })
          .whereIn('state', ['active', 'paused'])
          .orderBy('id')
          .forUpdate()) as ScheduledOperationRow[];
        const decided = revoke(binding, live.map(operationFromRow));
        if (!decided) {
          // A replay: the operations this revocation canceled, as the first answer named them.
          const canceled = (await trx('scheduled_operations')
            .where({ binding_id: bindingId, state: 'canceled', cancel_reason: 'binding_revoked' })
            .orderBy('id')
            .pluck('id')) as string[];
          return { binding, canceledOperationIds: canceled, changed: false };
        }
        await trx('card_bindings')
          .where({ id: bindingId })
          .update({ state: decided.binding.state, revoked_at: decided.binding.revokedAt });
        const rowsById = new Map(live.map((row) => [row.id, row]));
        for (const change of decided.changes) {
          const row = rowsById.get(change.operation.id);
          if (row) await settleDueOccurrences(trx, row, change, nextOccurrence);
          await trx('scheduled_operations')
            .where({ id: change.operation.id })
            .update(operationToRow(change.operation));
          for (const fact of change.facts) await enqueueFact(trx, fact);
        }
        return {
          binding: decided.binding,
          canceledOperationIds: decided.changes.map((c) => c.operation.id),
          changed: true,
        };
      });
    },
  };
}
