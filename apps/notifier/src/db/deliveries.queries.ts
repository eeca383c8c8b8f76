import type { Knex } from '@tolem/db-kit';

import type { DeliveryQueries } from '../domain/ports';
import { type DeliveryRow, toDomain } from './delivery.row';

/**
 * A delivery queued again: due now with a fresh window (first_attempt_at starts it again). The
 * lease is left alone, so one already in flight is not sent twice at once.
 */
const requeued = (now: Date, expiresAt: Date) => ({
  status: 'pending',
  next_attempt_at: now,
  expires_at: expiresAt,
  first_attempt_at: null,
  delivered_at: null,
});

export function createDeliveryQueries(db: Knex): DeliveryQueries {
  return {
    async list(f) {
      const query = db<DeliveryRow>('deliveries').where({ merchant_id: f.merchantId });
      if (f.paymentId) query.andWhere({ payment_id: f.paymentId });
      if (f.endpointId) query.andWhere({ endpoint_id: f.endpointId });
      if (f.status) query.andWhere({ status: f.status });
      if (f.livemode !== undefined) query.andWhere({ livemode: f.livemode });
      if (f.beforeId) query.andWhere('id', '<', f.beforeId);
      const rows = (await query.orderBy('id', 'desc').limit(f.limit)) as DeliveryRow[];
      return rows.map(toDomain);
    },

    async get(merchantId, id) {
      const query = db<DeliveryRow>('deliveries').where({ id });
      if (merchantId) query.andWhere({ merchant_id: merchantId });
      const row = (await query.first()) as DeliveryRow | undefined;
      return row ? toDomain(row) : undefined;
    },

    async attempts(deliveryId) {
      const rows = await db('delivery_attempts')
        .where({ delivery_id: deliveryId })
        .orderBy([{ column: 'attempted_at' }, { column: 'id' }])
        .select<
          {
            attempted_at: Date;
            url: string;
            status_code: number | null;
            error: string;
            duration_ms: number;
            response_snippet: string;
          }[]
        >('attempted_at', 'url', 'status_code', 'error', 'duration_ms', 'response_snippet');
      return rows.map((r) => ({
        attemptedAt: r.attempted_at,
        url: r.url,
        statusCode: r.status_code,
        error: r.error,
        durationMs: r.duration_ms,
        responseSnippet: r.response_snippet,
      }));
    },

    async redeliver(id, now, expiresAt) {
      const [row] = (await db('deliveries')
        .where({ id })
        .update(requeued(now, expiresAt))
        .returning('*')) as DeliveryRow[];
      return row ? toDomain(row) : undefined;
    },

    async recoverExhausted(endpointId, since, now, expiresAt, livemode) {
      const query = db('deliveries')
        .where({ endpoint_id: endpointId, status: 'exhausted' })
        .andWhere('created_at', '>=', since);
      if (livemode !== undefined) query.andWhere({ livemode });
      return query.update(requeued(now, expiresAt));
    },

    async cancelPending(endpointId, reason) {
      return db('deliveries')
        .where({ endpoint_id: endpointId, status: 'pending' })
        .update({ status: 'exhausted', last_error: reason });
    },
  };
}
