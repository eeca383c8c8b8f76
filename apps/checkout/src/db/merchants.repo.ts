import type { Knex } from '@tolem/db-kit';

import type { Merchant } from '../domain/merchant';
import type { PaymentMethod } from '../domain/payment';
import type { MerchantRepository } from '../domain/ports';

interface MerchantRow {
  id: string;
  name: string;
  enabled_methods: PaymentMethod[];
  webmoney_shop_id: string;
  default_success_url: string;
  default_fail_url: string;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  created_at: Date;
}

interface ApiKeyRow {
  id: string;
  merchant_id: string;
  key_prefix: string;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

function toDomain(row: MerchantRow): Merchant {
  return {
    id: row.id,
    name: row.name,
    enabledMethods: [...row.enabled_methods],
    webmoneyShopId: row.webmoney_shop_id,
    defaultSuccessUrl: row.default_success_url,
    defaultFailUrl: row.default_fail_url,
    createdAt: row.created_at,
  };
}

export function createMerchantsRepo(db: Knex): MerchantRepository {
  return {
    create(merchant, apiKey, idempotency) {
      return db.transaction(async (trx) => {
        const inserted = (await trx<MerchantRow>('merchants')
          .insert({
            id: merchant.id,
            name: merchant.name,
            enabled_methods: merchant.enabledMethods,
            webmoney_shop_id: merchant.webmoneyShopId,
            default_success_url: merchant.defaultSuccessUrl,
            default_fail_url: merchant.defaultFailUrl,
            idempotency_key: idempotency?.key ?? null,
            request_fingerprint: idempotency?.requestFingerprint ?? null,
            created_at: merchant.createdAt,
          })
          .onConflict('idempotency_key')
          .ignore()
          .returning('*')) as MerchantRow[];
        const row = inserted[0];
        if (!row) {
          // A concurrent or earlier create with this key won; its row is committed by now.
          const existing = (await trx<MerchantRow>('merchants')
            .where({ idempotency_key: idempotency?.key ?? '' })
            .first()) as MerchantRow | undefined;
          if (!existing) throw new Error('merchant vanished after a conflicting insert');
          return {
            created: false as const,
            merchant: toDomain(existing),
            requestFingerprint: existing.request_fingerprint ?? '',
          };
        }
        await trx<ApiKeyRow>('api_keys').insert({
          id: apiKey.id,
          merchant_id: row.id,
          key_prefix: apiKey.keyPrefix,
          key_hash: apiKey.keyHash,
          created_at: merchant.createdAt,
        });
        return { created: true as const, merchant: toDomain(row) };
      });
    },

    async findById(id) {
      const row = (await db<MerchantRow>('merchants').where({ id }).first()) as
        | MerchantRow
        | undefined;
      return row ? toDomain(row) : undefined;
    },

    async findApiKeyByHash(keyHash) {
      const row = (await db<ApiKeyRow>('api_keys').where({ key_hash: keyHash }).first()) as
        | ApiKeyRow
        | undefined;
      return row
        ? { merchantId: row.merchant_id, keyHash: row.key_hash, revokedAt: row.revoked_at }
        : undefined;
    },
  };
}
