import { type AuthenticateApiKeyRequest, Merchant } from '@tolem/contracts/checkout';
import { DomainError } from '@tolem/errors';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

import { authenticateMerchantScope, createApiKeyAuthenticator, merchantIdOf } from './auth';

function fakeMerchants() {
  const calls: string[] = [];
  return {
    calls,
    authenticateApiKey: async (req: AuthenticateApiKeyRequest) => {
      calls.push(req.apiKey);
      if (req.apiKey !== 'sk_test_good')
        throw new DomainError('AUTH_INVALID_API_KEY', 'unauthenticated', 'unknown API key');
      return { merchant: Merchant.fromPartial({ id: 'mer_1', name: 'Shop' }) };
    },
  };
}

describe('createApiKeyAuthenticator', () => {
  it('resolves a key once and serves it from the cache for at most 30 s', async () => {
    let now = 1_000_000;
    const merchants = fakeMerchants();
    const authenticate = createApiKeyAuthenticator({ merchants, ttlMs: 60_000, now: () => now });
    expect((await authenticate('Bearer sk_test_good', 'r1')).id).toBe('mer_1');
    now += 29_999;
    expect((await authenticate('Bearer sk_test_good', 'r2')).id).toBe('mer_1');
    expect(merchants.calls).toHaveLength(1);
    now += 2;
    await authenticate('Bearer sk_test_good', 'r3');
    expect(merchants.calls).toHaveLength(2);
  });

  it('never caches a refusal and never asks checkout without a Bearer credential', async () => {
    const merchants = fakeMerchants();
    const authenticate = createApiKeyAuthenticator({ merchants });
    await expect(authenticate('Bearer sk_bad', 'r')).rejects.toMatchObject({
      code: 'AUTH_INVALID_API_KEY',
    });
    await expect(authenticate('Bearer sk_bad', 'r')).rejects.toMatchObject({
      code: 'AUTH_INVALID_API_KEY',
    });
    expect(merchants.calls).toEqual(['sk_bad', 'sk_bad']);
    await expect(authenticate(undefined, 'r')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      kind: 'unauthenticated',
    });
    expect(merchants.calls).toHaveLength(2);
  });

  it('evicts the oldest entry when full', async () => {
    const merchants = {
      calls: [] as string[],
      authenticateApiKey: async (req: AuthenticateApiKeyRequest) => {
        merchants.calls.push(req.apiKey);
        return { merchant: Merchant.fromPartial({ id: `mer_${req.apiKey}` }) };
      },
    };
    const authenticate = createApiKeyAuthenticator({ merchants, maxEntries: 2 });
    await authenticate('Bearer a', 'r');
    await authenticate('Bearer b', 'r');
    await authenticate('Bearer c', 'r');
    await authenticate('Bearer c', 'r');
    await authenticate('Bearer a', 'r');
    expect(merchants.calls).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('API key modes and revocation', () => {
  it('carries the key’s mode and id, and forget() drops a revoked key at once', async () => {
    const calls: string[] = [];
    let revoked = false;
    const merchants = {
      authenticateApiKey: async (req: AuthenticateApiKeyRequest) => {
        calls.push(req.apiKey);
        if (revoked) throw new DomainError('AUTH_API_KEY_REVOKED', 'unauthenticated', 'revoked');
        return {
          merchant: Merchant.fromPartial({ id: 'mer_1' }),
          livemode: true,
          apiKeyId: 'key_1',
        };
      },
    };
    const authenticate = createApiKeyAuthenticator({ merchants });
    expect(await authenticate('Bearer sk_live_x', 'r')).toMatchObject({
      id: 'mer_1',
      livemode: true,
      apiKeyId: 'key_1',
    });
    revoked = true;
    // Still cached: another replica's revocation takes up to the TTL here.
    await authenticate('Bearer sk_live_x', 'r');
    expect(calls).toHaveLength(1);
    authenticate.forget('key_1');
    await expect(authenticate('Bearer sk_live_x', 'r')).rejects.toMatchObject({
      code: 'AUTH_API_KEY_REVOKED',
    });
  });
});

describe('authenticateMerchantScope', () => {
  it('sets request.merchant in sibling and nested scopes alike, before the handler runs', async () => {
    const authenticate = createApiKeyAuthenticator({ merchants: fakeMerchants() });
    const app = Fastify();
    const seen: string[] = [];
    const answer = (name: string) => async (request: Parameters<typeof merchantIdOf>[0]) => {
      seen.push(`${name}:${request.merchant?.id}`);
      return { merchant: merchantIdOf(request) };
    };
    await app.register(async (scope) => {
      authenticateMerchantScope(scope, authenticate);
      scope.get('/v1/a', answer('a'));
      // A scope inside a merchant scope finds the decorator already there.
      await scope.register(async (inner) => {
        authenticateMerchantScope(inner, authenticate);
        inner.get('/v1/a/inner', answer('inner'));
      });
    });
    await app.register(async (scope) => {
      authenticateMerchantScope(scope, authenticate);
      scope.get('/v1/b', answer('b'));
    });
    const auth = { authorization: 'Bearer sk_test_good' };
    for (const url of ['/v1/a', '/v1/a/inner', '/v1/b']) {
      const res = await app.inject({ url, headers: auth });
      expect(res.json()).toEqual({ merchant: 'mer_1' });
    }
    expect(seen).toEqual(['a:mer_1', 'inner:mer_1', 'b:mer_1']);
    // No key: refused by the hook, the handler never runs.
    expect((await app.inject({ url: '/v1/b' })).statusCode).not.toBe(200);
    expect(seen).toHaveLength(3);
    await app.close();
  });
});
