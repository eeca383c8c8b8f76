import { Secret } from '@tolem/config';
import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import type {
  AckMode,
  BodyFormat,
  DisabledReason,
  EndpointStatus,
  WebhookEndpoint,
} from '../domain/endpoint';
import type { EndpointRepository } from '../domain/ports';

export interface EndpointRow {
  id: string;
  merchant_id: string;
  url: string;
  description: string;
  is_default: boolean;
  event_types: string[];
  format: BodyFormat;
  ack: AckMode;
  status: EndpointStatus;
  disabled_reason: DisabledReason;
  disabled_at: Date | null;
  failing_since: Date | null;
  max_in_flight: number;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function endpointToDomain(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    url: row.url,
    description: row.description,
    isDefault: row.is_default,
    eventTypes: row.event_types,
    format: row.format,
    ack: row.ack,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    failingSince: row.failing_since,
    maxInFlight: row.max_in_flight,
    signingSecret: new Secret(row.signing_secret),
    ...(row.previous_signing_secret && row.previous_secret_expires_at
      ? {
          previousSigningSecret: new Secret(row.previous_signing_secret),
          previousSecretExpiresAt: row.previous_secret_expires_at,
        }
      : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createEndpointsRepo(db: Knex): EndpointRepository {
  return {
    async getDefault(merchantId) {
      const row = await db<EndpointRow>('webhook_endpoints')
        .where({ merchant_id: merchantId, is_default: true })
        .first();
      return row ? endpointToDomain(row as EndpointRow) : undefined;
    },

    async listForMerchant(merchantId) {
      const rows = await db<EndpointRow>('webhook_endpoints')
        .where({ merchant_id: merchantId })
        .orderBy('id');
      return rows.map((r) => endpointToDomain(r as EndpointRow));
    },

    async upsertDefault(input) {
      // The conflict target is the partial unique index: one default endpoint per merchant.
      const result = await db.raw<{ rows: EndpointRow[] }>(
        `insert into webhook_endpoints (id, merchant_id, url, is_default, signing_secret,
           previous_signing_secret, previous_secret_expires_at, created_at, updated_at)
         values (:id, :merchantId, :url, true, :secret, :previous, :previousExpiresAt, :now, :now)
         on conflict (merchant_id) where is_default do update set
           url = excluded.url, signing_secret = excluded.signing_secret,
           previous_signing_secret = excluded.previous_signing_secret,
           previous_secret_expires_at = excluded.previous_secret_expires_at,
           updated_at = excluded.updated_at
         returning *`,
        {
          id: newId('we'),
          merchantId: input.merchantId,
          url: input.url,
          secret: input.signingSecret.reveal(),
          previous: input.previousSigningSecret?.reveal() ?? null,
          previousExpiresAt: input.previousSecretExpiresAt ?? null,
          now: input.now,
        },
      );
      return endpointToDomain(result.rows[0] as EndpointRow);
    },
  };
}
