import { Secret } from '@tolem/config';
import type { Knex } from '@tolem/db-kit';

import type { Endpoint } from '../domain/delivery';
import type { EndpointRepository } from '../domain/ports';

interface EndpointRow {
  merchant_id: string;
  url: string;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_secret_expires_at: Date | null;
  updated_at: Date;
}

function toDomain(row: EndpointRow): Endpoint {
  return {
    merchantId: row.merchant_id,
    url: row.url,
    signingSecret: new Secret(row.signing_secret),
    ...(row.previous_signing_secret && row.previous_secret_expires_at
      ? {
          previousSigningSecret: new Secret(row.previous_signing_secret),
          previousSecretExpiresAt: row.previous_secret_expires_at,
        }
      : {}),
    updatedAt: row.updated_at,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createEndpointsRepo(db: Knex): EndpointRepository {
  return {
    async get(merchantId) {
      const row = await db<EndpointRow>('endpoints').where({ merchant_id: merchantId }).first();
      return row ? toDomain(row as EndpointRow) : undefined;
    },
    async upsert(endpoint) {
      return db.transaction(async (trx) => {
        const [row] = await trx<EndpointRow>('endpoints')
          .insert({
            merchant_id: endpoint.merchantId,
            url: endpoint.url,
            signing_secret: endpoint.signingSecret.reveal(),
            previous_signing_secret: endpoint.previousSigningSecret?.reveal() ?? null,
            previous_secret_expires_at: endpoint.previousSecretExpiresAt ?? null,
            updated_at: endpoint.updatedAt,
          })
          .onConflict('merchant_id')
          .merge([
            'url',
            'signing_secret',
            'previous_signing_secret',
            'previous_secret_expires_at',
            'updated_at',
          ])
          .returning('*');
        await trx('deliveries')
          .where({ merchant_id: endpoint.merchantId, status: 'pending', url: '' })
          .update({ url: endpoint.url });
        return toDomain(row as EndpointRow);
      });
    },
  };
}
