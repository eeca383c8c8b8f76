import { apiKeyState, hashApiKey, isWellFormedApiKey, sameHash } from '../domain/api-key';
import { checkoutErrors } from '../domain/errors';
import type { Merchant } from '../domain/merchant';
import type { Clock, MerchantRepository } from '../domain/ports';

export interface AuthenticateApiKeyDeps {
  merchants: MerchantRepository;
  clock: Clock;
}

export interface AuthenticatedKey {
  merchant: Merchant;
  /** False for a test key: what it creates is livemode false and pays through the sandbox. */
  livemode: boolean;
  apiKeyId: string;
}

/**
 * Resolves an API key to its merchant by the key's sha256 (the key itself is never stored).
 * Unknown or malformed keys are AUTH_INVALID_API_KEY, revoked ones AUTH_API_KEY_REVOKED, rolled
 * ones past their expiry AUTH_API_KEY_EXPIRED; all are UNAUTHENTICATED so a caller learns nothing
 * more than "no". The mode is the stored one, not read from the key's text.
 */
export function makeAuthenticateApiKey(deps: AuthenticateApiKeyDeps) {
  return async (apiKey: string): Promise<AuthenticatedKey> => {
    const invalid = () => checkoutErrors.create('AUTH_INVALID_API_KEY', 'invalid API key');
    if (!isWellFormedApiKey(apiKey)) throw invalid();
    const hash = hashApiKey(apiKey);
    const found = await deps.merchants.findApiKeyByHash(hash);
    // The lookup is by an index on the hash; the constant-time compare guards the final match.
    if (!found || !sameHash(found.keyHash, hash)) throw invalid();
    const state = apiKeyState(found, deps.clock.now());
    if (state === 'revoked') {
      throw checkoutErrors.create('AUTH_API_KEY_REVOKED', 'API key was revoked');
    }
    if (state === 'expired') {
      throw checkoutErrors.create('AUTH_API_KEY_EXPIRED', 'API key has expired');
    }
    const merchant = await deps.merchants.findById(found.merchantId);
    if (!merchant) throw invalid();
    return { merchant, livemode: found.mode === 'live', apiKeyId: found.id };
  };
}
