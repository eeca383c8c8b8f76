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
import type { EndpointPatch, EndpointRepository } from '../domain/ports';

export interface EndpointRow {
  id: string;
  merchant_id: string;
  url: string;
  description: string;
  is_default: boolean;
  livemode: boolean;
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
  deleted_at: Date | null;
}

export function endpointToDomain(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    url: row.url,
    description: row.description,
    isDefault: row.is_default,
    livemode: row.livemode,
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
        .whereNull('deleted_at')
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

    async get(merchantId, id) {
      const row = await db<EndpointRow>('webhook_endpoints')
        .where({ merchant_id: merchantId, id })
        .whereNull('deleted_at')
        .first();
      return row ? endpointToDomain(row as EndpointRow) : undefined;
    },

    async findByIdempotencyKey(merchantId, key) {
      const row = await db('webhook_endpoints')
        .where({ merchant_id: merchantId, idempotency_key: key })
        .first();
      return row ? endpointToDomain(row as EndpointRow) : undefined;
    },

    async insert(e, idempotencyKey) {
      const [row] = await db('webhook_endpoints')
        .insert({
          id: e.id,
          merchant_id: e.merchantId,
          url: e.url,
          description: e.description,
          is_default: e.isDefault,
          livemode: e.livemode,
          event_types: e.eventTypes,
          format: e.format,
          ack: e.ack,
          status: e.status,
          disabled_reason: e.disabledReason,
          disabled_at: e.disabledAt,
          failing_since: e.failingSince,
          max_in_flight: e.maxInFlight,
          signing_secret: e.signingSecret.reveal(),
          previous_signing_secret: e.previousSigningSecret?.reveal() ?? null,
          previous_secret_expires_at: e.previousSecretExpiresAt ?? null,
          created_at: e.createdAt,
          updated_at: e.updatedAt,
          idempotency_key: idempotencyKey,
        })
        .returning('*');
      return endpointToDomain(row as EndpointRow);
    },

    async update(merchantId, id, patch) {
      const [row] = await db('webhook_endpoints')
        .where({ merchant_id: merchantId, id })
        .whereNull('deleted_at')
        .update(patchColumns(patch))
        .returning('*');
      return row ? endpointToDomain(row as EndpointRow) : undefined;
    },

    async markDeleted(merchantId, id, now) {
      const n = await db('webhook_endpoints')
        .where({ merchant_id: merchantId, id })
        .whereNull('deleted_at')
        .update({
          deleted_at: now,
          status: 'disabled',
          disabled_reason: 'deleted',
          disabled_at: now,
          updated_at: now,
        });
      return n > 0;
    },
    async claimRotation(r) {
      const rows = (await db('webhook_endpoint_secret_rotations')
        .insert({
          endpoint_id: r.endpointId,
          idempotency_key: r.idempotencyKey,
          overlap_seconds: r.overlapSeconds,
          secret_sha256: r.secretSha256,
          rotated_at: r.rotatedAt,
        })
        .onConflict(['endpoint_id', 'idempotency_key'])
        .ignore()
        .returning('endpoint_id')) as unknown[];
      return rows.length > 0;
    },
    async rotatedElsewhereWith(merchantId, key, endpointId) {
      // The merchant's endpoints (at most 16, webhook_endpoints_merchant_idx), each probed on
      // the rotations' primary key.
      const row = (await db('webhook_endpoints as e')
        .join('webhook_endpoint_secret_rotations as r', (j) =>
          j.on('r.endpoint_id', 'e.id').andOnVal('r.idempotency_key', key),
        )
        .where('e.merchant_id', merchantId)
        .andWhereNot('e.id', endpointId)
        .first('e.id')) as { id: string } | undefined;
      return row?.id;
    },
    async rotationOf(endpointId, key) {
      const row = (await db('webhook_endpoint_secret_rotations')
        .where({ endpoint_id: endpointId, idempotency_key: key })
        .first()) as
        | {
            endpoint_id: string;
            idempotency_key: string;
            overlap_seconds: number;
            secret_sha256: string;
            rotated_at: Date;
          }
        | undefined;
      return row
        ? {
            endpointId: row.endpoint_id,
            idempotencyKey: row.idempotency_key,
            overlapSeconds: row.overlap_seconds,
            secretSha256: row.secret_sha256,
            rotatedAt: row.rotated_at,
          }
        : undefined;
    },
  };
}

/** Only the fields a patch sets; a secret is revealed here, for the column, and nowhere else. */
function patchColumns(p: EndpointPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = { updated_at: p.updatedAt };
  if (p.url !== undefined) columns.url = p.url;
  if (p.description !== undefined) columns.description = p.description;
  if (p.eventTypes !== undefined) columns.event_types = p.eventTypes;
  if (p.format !== undefined) columns.format = p.format;
  if (p.ack !== undefined) columns.ack = p.ack;
  if (p.maxInFlight !== undefined) columns.max_in_flight = p.maxInFlight;
  if (p.status !== undefined) columns.status = p.status;
  if (p.disabledReason !== undefined) columns.disabled_reason = p.disabledReason;
  if (p.disabledAt !== undefined) columns.disabled_at = p.disabledAt;
  if (p.failingSince !== undefined) columns.failing_since = p.failingSince;
  if (p.signingSecret !== undefined) columns.signing_secret = p.signingSecret.reveal();
  if (p.previousSigningSecret !== undefined) {
    columns.previous_signing_secret = p.previousSigningSecret?.reveal() ?? null;
  }
  if (p.previousSecretExpiresAt !== undefined) {
    columns.previous_secret_expires_at = p.previousSecretExpiresAt;
  }
  return columns;
}
