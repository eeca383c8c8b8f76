import type { Knex } from '@tolem/db-kit';

import type { EndpointEvent, EndpointEventType } from '../domain/endpoint';
import type { EndpointEventRepository } from '../domain/ports';

interface EndpointEventRow {
  id: string;
  endpoint_id: string;
  merchant_id: string;
  type: EndpointEventType;
  delivery_id: string | null;
  detail: string;
  created_at: Date;
}

export function createEndpointEventsRepo(db: Knex): EndpointEventRepository {
  return {
    async insert(e) {
      await db('endpoint_events').insert({
        id: e.id,
        endpoint_id: e.endpointId,
        merchant_id: e.merchantId,
        type: e.type,
        delivery_id: e.deliveryId,
        detail: e.detail,
        created_at: e.createdAt,
      });
    },
    async list(endpointId, beforeId, limit) {
      const query = db<EndpointEventRow>('endpoint_events').where({ endpoint_id: endpointId });
      if (beforeId) query.andWhere('id', '<', beforeId);
      const rows = (await query.orderBy('id', 'desc').limit(limit)) as EndpointEventRow[];
      return rows.map(
        (r): EndpointEvent => ({
          id: r.id,
          endpointId: r.endpoint_id,
          merchantId: r.merchant_id,
          type: r.type,
          deliveryId: r.delivery_id,
          detail: r.detail,
          createdAt: r.created_at,
        }),
      );
    },
  };
}
