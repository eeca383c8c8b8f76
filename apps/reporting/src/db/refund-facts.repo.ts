import type { Knex } from '@tolem/db-kit';

import type { RefundFactRepository } from '../domain/ports';
import type { RefundFact, RefundStatus } from '../domain/refund-fact';

interface RefundFactRow {
  refund_id: string;
  payment_id: string;
  merchant_id: string;
  amount_minor: bigint;
  currency: string;
  status: RefundStatus;
  status_sequence: bigint;
  method: string;
  provider: string;
  failure_code: string;
  status_at: Date;
  requested_at: Date | null;
  resolved_at: Date | null;
  last_sequence: bigint;
  updated_at: Date;
  livemode: boolean;
}

function toDomain(row: RefundFactRow): RefundFact {
  return {
    refundId: row.refund_id,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    status: row.status,
    statusSequence: BigInt(row.status_sequence),
    method: row.method,
    provider: row.provider,
    failureCode: row.failure_code,
    statusAt: row.status_at,
    requestedAt: row.requested_at,
    resolvedAt: row.resolved_at,
    lastSequence: BigInt(row.last_sequence),
    updatedAt: row.updated_at,
    livemode: row.livemode,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createRefundFactsRepo(db: Knex): RefundFactRepository {
  return {
    async getForUpdate(refundId) {
      const row = await db<RefundFactRow>('refund_facts')
        .where({ refund_id: refundId })
        .forUpdate()
        .first();
      return row ? toDomain(row as RefundFactRow) : undefined;
    },
    async save(r, isNew) {
      const row = {
        refund_id: r.refundId,
        payment_id: r.paymentId,
        merchant_id: r.merchantId,
        amount_minor: r.amountMinor.toString(),
        currency: r.currency,
        status: r.status,
        status_sequence: r.statusSequence.toString(),
        method: r.method,
        provider: r.provider,
        failure_code: r.failureCode,
        status_at: r.statusAt,
        requested_at: r.requestedAt,
        resolved_at: r.resolvedAt,
        last_sequence: r.lastSequence.toString(),
        updated_at: r.updatedAt,
        livemode: r.livemode,
      };
      if (isNew) {
        await db('refund_facts').insert(row);
        return;
      }
      const updated = await db('refund_facts').where({ refund_id: r.refundId }).update(row);
      if (updated !== 1) throw new Error(`refund fact ${r.refundId} vanished during its update`);
    },
    async list(q) {
      const query = db<RefundFactRow>('refund_facts').where({ merchant_id: q.merchantId });
      if (q.paymentId) query.andWhere('payment_id', q.paymentId);
      if (q.livemode !== undefined) query.andWhere('livemode', q.livemode);
      if (q.after) {
        query.andWhereRaw('(status_at, refund_id) < (?, ?)', [q.after.statusAt, q.after.refundId]);
      }
      const rows = await query
        .orderBy([
          { column: 'status_at', order: 'desc' },
          { column: 'refund_id', order: 'desc' },
        ])
        .limit(q.limit);
      return rows.map((r) => toDomain(r as RefundFactRow));
    },
  };
}
