import { hash } from 'node:crypto';

import type { Secret } from '@tolem/config';
import type { Merchant, MerchantServiceClient } from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { gatewayErrors } from './errors';
import { bearerTokenFrom, tokensEqual } from './headers';

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

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The API key's merchant, set by authenticateMerchantScope before the body is parsed; the
     * idempotency store keeps a merchant's answers under it.
     */
    merchant: AuthenticatedMerchant | null;
  }
}

/**
 * Makes `app`'s scope part of the merchant API: every request resolves its API key first (onRequest,
 * before the body is parsed) into `request.merchant`. Every /v1 route file calls this, never a
 * property of its own: the idempotency store keys stored answers by `request.merchant`, so a scope
 * that authenticated elsewhere would have its POSTs never claimed, stored or replayed.
 */
export function authenticateMerchantScope(
  app: FastifyInstance,
  authenticate: ApiKeyAuthenticator,
): void {
  // Sibling scopes each decorate their own request class; a nested scope finds its parent's.
  if (!app.hasRequestDecorator('merchant')) app.decorateRequest('merchant', null);
  app.addHook('onRequest', async (request) => {
    request.merchant = await authenticate(request.headers.authorization, request.id);
  });
}

/** The authenticated merchant's id, in a handler of a scope set up by authenticateMerchantScope. */
export function merchantIdOf(request: FastifyRequest): string {
  // The onRequest hook either set it or threw; reaching here without one is a wiring bug.
  if (!request.merchant) throw new Error('unauthenticated request reached a merchant API handler');
  return request.merchant.id;
}

/** The API key's mode: a test key reaches only test objects. */
export function livemodeOf(request: FastifyRequest): boolean {
  return request.merchant?.livemode ?? false;
}

/**
 * Puts every route of `app` (and of its child scopes) behind the operators' ADMIN_TOKEN, checked
 * before the body is parsed; a wrong or missing token is UNAUTHENTICATED.
 */
export function authenticateAdminScope(app: FastifyInstance, adminToken: Secret): void {
  app.addHook('onRequest', async (request) => {
    const token = bearerTokenFrom(request.headers.authorization);
    if (!tokensEqual(token, adminToken.reveal())) {
      throw gatewayErrors.create('UNAUTHENTICATED', 'invalid admin token');
    }
  });
}
