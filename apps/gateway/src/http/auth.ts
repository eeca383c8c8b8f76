import { hash } from 'node:crypto';

import type { Merchant, MerchantServiceClient } from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';

import { gatewayErrors } from './errors';
import { bearerTokenFrom } from './headers';

/**
 * The key's merchant plus what the key itself says: its mode (a test key's payments are
 * livemode false and pay through the sandbox only) and its id.
 */
export type AuthenticatedMerchant = Merchant & { livemode: boolean; apiKeyId: string };

export type ApiKeyAuthenticator = ((
  authorization: string | undefined,
  requestId: string,
) => Promise<AuthenticatedMerchant>) & {
  /** Drops cached resolutions of this key (revoked through this gateway): it stops at once here. */
  forget(apiKeyId: string): void;
};

export interface ApiKeyAuthOptions {
  merchants: Pick<PromiseClient<MerchantServiceClient>, 'authenticateApiKey'>;
  /** How long a resolved key is trusted without asking checkout again (a revoked key lives this long). */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Resolves `Authorization: Bearer <api key>` to a merchant through MerchantService.AuthenticateApiKey.
 * Positive answers are cached for at most 30 s, keyed by a hash so raw keys are not kept in memory;
 * refusals are never cached (a key that just got created must work at once). Revocation: checkout
 * refuses a revoked (or expired rolled) key at once; a gateway that revoked it forgets it at once;
 * every other replica stops accepting it when its cache entry expires, within 30 s.
 */
export function createApiKeyAuthenticator(options: ApiKeyAuthOptions): ApiKeyAuthenticator {
  const ttlMs = Math.min(options.ttlMs ?? 30_000, 30_000);
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { merchant: AuthenticatedMerchant; expiresAt: number }>();

  const authenticate = async (
    authorization: string | undefined,
    requestId: string,
  ): Promise<AuthenticatedMerchant> => {
    const apiKey = bearerTokenFrom(authorization);
    const cacheKey = hash('sha256', apiKey, 'base64');
    const hit = cache.get(cacheKey);
    if (hit && hit.expiresAt > now()) return hit.merchant;
    if (hit) cache.delete(cacheKey);

    const res = await options.merchants.authenticateApiKey({ apiKey }, { requestId });
    if (!res.merchant) throw gatewayErrors.create('UNAUTHENTICATED', 'unknown API key');
    const merchant: AuthenticatedMerchant = {
      ...res.merchant,
      livemode: res.livemode ?? false,
      apiKeyId: res.apiKeyId ?? '',
    };
    // Map keeps insertion order: dropping the first entry evicts the oldest.
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(cacheKey, { merchant, expiresAt: now() + ttlMs });
    return merchant;
  };
  return Object.assign(authenticate, {
    forget(apiKeyId: string) {
      for (const [key, entry] of cache) {
        if (entry.merchant.apiKeyId === apiKeyId) cache.delete(key);
      }
    },
  });
}
