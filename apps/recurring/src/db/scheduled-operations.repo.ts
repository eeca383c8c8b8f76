import type { Knex } from '@tolem/db-kit';

import type { ScheduledOperationRepository } from '../domain/ports';
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

export function createScheduledOperationsRepo(db: Knex): ScheduledOperationRepository {
  const byKey = async (q: Knex, merchantId: string, idempotencyKey: string) =>
    (await q<ScheduledOperationRow>('scheduled_operations')
      .where({ merchant_id: merchantId, idempotency_key: idempotencyKey })
      .first()) as ScheduledOperationRow | undefined;

  return {
    async createOnce({ merchantId, idempotencyKey, bindingId, fingerprint, build }) {
      const replay = (row: ScheduledOperationRow) => ({
        operation: operationFromRow(row),
        created: false,
        fingerprint: row.request_fingerprint,
      });
      const existing = await byKey(db, merchantId, idempotencyKey);
      if (existing) return replay(existing);
      return db.transaction(async (trx) => {
        // FOR SHARE: a revoke (FOR UPDATE) waits for this insert and then cancels the new
        // operation too, or this create waits for the revoke and sees the binding revoked.
        const binding = await lockBinding(trx, merchantId, bindingId, 'share');
        const op = build(binding);
        const inserted = (await trx('scheduled_operations')
          .insert({
            id: op.id,
            merchant_id: op.merchantId,
            idempotency_key: idempotencyKey,
            request_fingerprint: fingerprint,
            binding_id: op.bindingId,
            created_at: op.createdAt,
            ...operationToRow(op),
          })
          .onConflict(['merchant_id', 'idempotency_key'])
          .ignore()
          .returning('*')) as ScheduledOperationRow[];
        if (inserted[0]) {
          return { operation: operationFromRow(inserted[0]), created: true, fingerprint };
        }
        // Another request with this key committed first.
        const raced = await byKey(trx, merchantId, idempotencyKey);
        if (!raced) throw new Error('operation vanished after a conflicting insert');
        return replay(raced);
      });
    },

    async findById(merchantId, operationId) {
      const row = (await db<ScheduledOperationRow>('scheduled_operations')
        .where({ id: operationId, merchant_id: merchantId })
        .first()) as ScheduledOperationRow | undefined;
      return row && operationFromRow(row);
    },

    positionOf: (merchantId, id, livemode) =>
      anchorPosition(db, 'scheduled_operations', { merchantId, id, livemode }),

    async list(filter, anchor, limit) {
      const q = db<ScheduledOperationRow>('scheduled_operations').where(
        'merchant_id',
        filter.merchantId,
      );
      if (filter.bindingId) void q.andWhere('binding_id', filter.bindingId);
      if (filter.state) void q.andWhere('state', filter.state);
      if (filter.customerRef) void q.andWhere('customer_ref', filter.customerRef);
      if (filter.livemode !== null) void q.andWhere('livemode', filter.livemode);
      if (filter.nextChargeGte) void q.andWhere('next_charge_at', '>=', filter.nextChargeGte);
      if (filter.nextChargeLt) void q.andWhere('next_charge_at', '<', filter.nextChargeLt);
      const rows = (await keysetPage(
        q,
        'scheduled_operations',
        anchor,
        limit,
      )) as ScheduledOperationRow[];
      return rows.map(operationFromRow);
    },

    async update(merchantId, operationId, change) {
      return db.transaction(async (trx) => {
        const row = (await trx<ScheduledOperationRow>('scheduled_operations')
          .where({ id: operationId, merchant_id: merchantId })
          .forUpdate()
          .first()) as ScheduledOperationRow | undefined;
        if (!row) return undefined;
        const bindingRow = (await trx<CardBindingRow>('card_bindings')
          .where({ id: row.binding_id })
          .first()) as CardBindingRow;
        const current = operationFromRow(row);
        const decided = change(current, bindingFromRow(bindingRow));
        if (!decided) return { operation: current, changed: false };
        // Under the row lock the scheduler's materialization waits (or skips this operation).
        await settleDueOccurrences(trx, row, decided, nextOccurrence);
        await trx('scheduled_operations')
          .where({ id: operationId })
          .update(operationToRow(decided.operation));
        for (const fact of decided.facts) await enqueueFact(trx, fact);
        return { operation: decided.operation, changed: true };
      });
    },
  };
}
