import { newId } from '@tolem/ids';

import {
  apiKeyDisplayPrefix,
  type ApiKeyMode,
  type ApiKeyRecord,
  checkApiKeyName,
  generateApiKey,
  hashApiKey,
  rollExpiry,
} from '../domain/api-key';
import { checkoutErrors } from '../domain/errors';
import { pageLimit } from '../domain/page-limit';
import { LIMITS } from '../domain/payment-request';
import type { Clock, MerchantRepository } from '../domain/ports';

export interface ApiKeysDeps {
  merchants: MerchantRepository;
  clock: Clock;
}

export interface IssuedApiKey {
  record: ApiKeyRecord;
  /** The key itself: shown this once, only its hash is kept. */
  secret: string;
}

const notFound = () => checkoutErrors.create('API_KEY_NOT_FOUND', 'API key not found');

/**
 * A merchant's API keys: several per merchant, each test or live, shown once, stored as sha256.
 * Every command names the merchant: another merchant's key is API_KEY_NOT_FOUND, exactly like an
 * unknown one.
 */
export function makeApiKeys(deps: ApiKeysDeps) {
  async function requireMerchant(merchantId: string): Promise<void> {
    const merchant = merchantId ? await deps.merchants.findById(merchantId) : undefined;
    if (!merchant) throw checkoutErrors.create('MERCHANT_NOT_FOUND', 'merchant not found');
  }

  function issue(merchantId: string, mode: ApiKeyMode, name: string): IssuedApiKey {
    const secret = generateApiKey(mode);
    return {
      secret,
      record: {
        id: newId('key'),
        merchantId,
        mode,
        name,
        keyPrefix: apiKeyDisplayPrefix(secret),
        keyHash: hashApiKey(secret),
        createdAt: deps.clock.now(),
        revokedAt: null,
        expiresAt: null,
        rolledTo: null,
      },
    };
  }

  return {
    async create(input: {
      merchantId: string;
      mode: ApiKeyMode;
      name: string;
      idempotencyKey: string;
    }): Promise<IssuedApiKey & { replayed: boolean }> {
      checkApiKeyName(input.name);
      if (!input.idempotencyKey || input.idempotencyKey.length > LIMITS.idempotencyKey) {
        throw checkoutErrors.create(
          'IDEMPOTENCY_KEY_REQUIRED',
          `creating an API key needs an idempotency key of 1 to ${LIMITS.idempotencyKey} characters`,
          { details: { field: 'idempotency_key' } },
        );
      }
      await requireMerchant(input.merchantId);
      const issued = issue(input.merchantId, input.mode, input.name);
      const stored = await deps.merchants.insertApiKey(issued.record, input.idempotencyKey);
      if (stored.inserted) return { ...issued, replayed: false };
      const { existing } = stored;
      if (existing.mode !== input.mode || existing.name !== input.name) {
        throw checkoutErrors.create(
          'IDEMPOTENCY_KEY_REUSED',
          'this idempotency key created an API key with another mode or name',
          { details: { field: existing.mode !== input.mode ? 'mode' : 'name' } },
        );
      }
      // Only the hash was kept: the secret went out with the first answer and cannot again.
      return { record: existing, secret: '', replayed: true };
    },

    /** Newest first, a page at a time: rolled and revoked keys stay listed, so they add up. */
    async list(input: {
      merchantId: string;
      limit: number;
      startingAfter: string;
    }): Promise<{ keys: ApiKeyRecord[]; hasMore: boolean }> {
      const limit = pageLimit(input.limit, {
        fallback: 100,
        max: 100,
        code: 'API_KEY_INVALID_REQUEST',
      });
      await requireMerchant(input.merchantId);
      if (
        input.startingAfter &&
        !(await deps.merchants.findApiKey(input.merchantId, input.startingAfter))
      ) {
        throw notFound();
      }
      const keys = await deps.merchants.listApiKeys(input.merchantId, {
        limit: limit + 1,
        startingAfter: input.startingAfter,
      });
      return { keys: keys.slice(0, limit), hasMore: keys.length > limit };
    },

    /** Stops the key at once in checkout; gateways trust a resolved key for at most 30 s more. */
    async revoke(input: { merchantId: string; keyId: string }): Promise<ApiKeyRecord> {
      if (!input.merchantId || !input.keyId) throw notFound();
      const key = await deps.merchants.revokeApiKey(
        input.merchantId,
        input.keyId,
        deps.clock.now(),
      );
      if (!key) throw notFound();
      return key;
    },

    /**
     * A new key of the same mode and name; the old one works until the expiry (default 24 h) so
     * the merchant can deploy the new one first.
     */
    async roll(input: {
      merchantId: string;
      keyId: string;
      expiresInSeconds: number;
    }): Promise<IssuedApiKey & { old: ApiKeyRecord }> {
      const now = deps.clock.now();
      const expiresAt = rollExpiry(now, input.expiresInSeconds);
      if (!input.merchantId || !input.keyId) throw notFound();
      const current = await deps.merchants.findApiKey(input.merchantId, input.keyId);
      if (!current) throw notFound();
      const issued = issue(input.merchantId, current.mode, current.name);
      const rolled = await deps.merchants.rollApiKey(
        input.merchantId,
        input.keyId,
        issued.record,
        expiresAt,
        now,
      );
      if (!rolled) throw notFound();
      if (rolled === 'not_active') {
        throw checkoutErrors.create(
          'API_KEY_NOT_ACTIVE',
          'only a usable key that was not rolled before can be rolled',
        );
      }
      return { ...issued, old: rolled.old };
    },
  };
}
