import type { Knex } from '@tolem/db-kit';

import type { StoredEventData } from '../domain/payload';
import type { NotificationEventRepository, StoredNotificationEvent } from '../domain/ports';

interface EventRow {
  event_id: string;
  event_type: string;
  merchant_id: string;
  payment_id: string;
  sequence: string;
  occurred_at: Date;
  data: StoredEventData;
  routed: boolean;
  created_at: Date;
}

function toDomain(row: EventRow): StoredNotificationEvent {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    sequence: BigInt(row.sequence),
    occurredAt: row.occurred_at,
    data: row.data,
    routed: row.routed,
    createdAt: row.created_at,
  };
}

/** The advisory-lock namespace of "routing a merchant's events" (any constant unique to it). */
const ROUTING_LOCK_CLASS = 0x6e6f7469; // 'noti'

/** Works on a transaction (the lock lasts until it ends). */
export function createEventsRepo(db: Knex): NotificationEventRepository {
  return {
    async lockMerchant(merchantId, mode) {
      const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
      await db.raw(`select ${fn}(?, hashtext(?))`, [ROUTING_LOCK_CLASS, merchantId]);
    },

    async insertOnce(e) {
      const inserted = await db('notification_events')
        .insert({
          event_id: e.eventId,
          event_type: e.eventType,
          merchant_id: e.merchantId,
          payment_id: e.paymentId,
          sequence: e.sequence.toString(),
          occurred_at: e.occurredAt,
          data: JSON.stringify(e.data),
          routed: e.routed,
          created_at: e.createdAt,
        })
        .onConflict('event_id')
        .ignore()
        .returning('event_id');
      return inserted.length > 0;
    },

    async listUnrouted(merchantId, since) {
      const rows = await db<EventRow>('notification_events')
        .where({ merchant_id: merchantId, routed: false })
        .andWhere('created_at', '>=', since)
        .orderBy([{ column: 'created_at' }, { column: 'sequence' }]);
      return rows.map((r) => toDomain(r as EventRow));
    },

    async markRouted(eventIds) {
      if (eventIds.length === 0) return;
      await db('notification_events').whereIn('event_id', eventIds).update({ routed: true });
    },
  };
}
