import { Secret } from '@tolem/config';
import type { Knex } from '@tolem/db-kit';

import type { Delivery, DeliveryStatus } from '../domain/delivery';
import type { DeliveryRepository } from '../domain/ports';

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  payment_id: string;
  merchant_id: string;
  endpoint_id: string;
  sequence: bigint;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string;
  delivered_at: Date | null;
  expires_at: Date;
  created_at: Date;
}

function toDomain(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    endpointId: row.endpoint_id,
    sequence: BigInt(row.sequence),
    url: row.url,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createDeliveriesRepo(db: Knex): DeliveryRepository {
  return {
    async insertOnce(d) {
      const inserted = await db('deliveries')
        .insert({
          id: d.id,
          event_id: d.eventId,
          event_type: d.eventType,
          payment_id: d.paymentId,
          merchant_id: d.merchantId,
          endpoint_id: d.endpointId,
          sequence: d.sequence.toString(),
          url: d.url,
          payload: d.payload,
          status: 'pending',
          next_attempt_at: d.nextAttemptAt,
          expires_at: d.expiresAt,
          created_at: d.createdAt,
        })
        .onConflict(['event_id', 'endpoint_id'])
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },

    async get(id) {
      const row = await db<DeliveryRow>('deliveries').where({ id }).first();
      return row ? toDomain(row as DeliveryRow) : undefined;
    },

    async list(q) {
      const query = db<DeliveryRow>('deliveries').where({ merchant_id: q.merchantId });
      if (q.paymentId) query.andWhere({ payment_id: q.paymentId });
      if (q.beforeId) query.andWhere('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit);
      return rows.map((r) => toDomain(r as DeliveryRow));
    },

    async claimDue(now, limit, leaseUntil) {
      // skip locked: replicas claim disjoint rows. The not-exists keeps a payment's later
      // notifications back while an earlier one is still pending (in flight or waiting to retry).
      const result = await db.raw<{ rows: DeliveryRow[] }>(
        `
        with due as (
          select d.id from deliveries d
          where d.status = 'pending' and d.url <> '' and d.next_attempt_at <= :now
            and not exists (
              select 1 from deliveries e
              where e.payment_id = d.payment_id and e.status = 'pending'
                and (e.sequence < d.sequence or (e.sequence = d.sequence and e.id < d.id))
            )
          order by d.next_attempt_at, d.id
          limit :limit
          for update of d skip locked
        )
        update deliveries set next_attempt_at = :leaseUntil
        from due where deliveries.id = due.id
        returning deliveries.*`,
        { now, limit, leaseUntil },
      );
      const rows = result.rows;
      if (rows.length === 0) return [];
      const endpointIds = [...new Set(rows.map((r) => r.endpoint_id))];
      const secrets = new Map(
        (
          await db('webhook_endpoints').whereIn('id', endpointIds).select<
            {
              id: string;
              signing_secret: string;
              previous_signing_secret: string | null;
              previous_secret_expires_at: Date | null;
            }[]
          >('id', 'signing_secret', 'previous_signing_secret', 'previous_secret_expires_at')
        ).map((e) => [e.id, e]),
      );
      return rows.flatMap((row) => {
        const endpoint = secrets.get(row.endpoint_id);
        // endpoint_id is a foreign key, so the endpoint exists; be defensive anyway.
        if (endpoint === undefined) return [];
        const overlapping =
          endpoint.previous_signing_secret &&
          endpoint.previous_secret_expires_at &&
          endpoint.previous_secret_expires_at.getTime() > now.getTime();
        return [
          {
            delivery: toDomain(row),
            signingSecret: new Secret(endpoint.signing_secret),
            ...(overlapping
              ? { previousSigningSecret: new Secret(endpoint.previous_signing_secret as string) }
              : {}),
          },
        ];
      });
    },

    async recordAttempt(a) {
      await db.transaction(async (trx) => {
        await trx('delivery_attempts').insert({
          delivery_id: a.deliveryId,
          attempted_at: a.attemptedAt,
          status_code: a.statusCode,
          error: a.error,
          duration_ms: Math.max(0, Math.round(a.durationMs)),
          response_snippet: a.responseSnippet,
        });
        // Only a pending delivery moves: a late answer never undoes a delivery already acknowledged.
        await trx('deliveries')
          .where({ id: a.deliveryId, status: 'pending' })
          .update({
            attempts: trx.raw('attempts + 1'),
            status: a.status,
            next_attempt_at: a.nextAttemptAt,
            last_status_code: a.statusCode,
            last_error: a.error,
            delivered_at: a.status === 'delivered' ? a.attemptedAt : null,
          });
      });
    },

    async requeue(id, changes) {
      const [row] = await db<DeliveryRow>('deliveries')
        .where({ id })
        .update({
          status: 'pending',
          next_attempt_at: changes.now,
          expires_at: changes.expiresAt,
          url: changes.url,
          delivered_at: null,
        })
        .returning('*');
      return row ? toDomain(row as DeliveryRow) : undefined;
    },
  };
}
