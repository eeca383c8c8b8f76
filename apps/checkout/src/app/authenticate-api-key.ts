import { hashApiKey, isWellFormedApiKey, sameHash } from '../domain/api-key';
import { checkoutErrors } from '../domain/errors';
import type { Merchant } from '../domain/merchant';
import type { MerchantRepository } from '../domain/ports';

export interface AuthenticateApiKeyDeps {
  merchants: MerchantRepository;
}

/**
 * Resolves an API key to its merchant by the key's sha256 (the key itself is never stored).
 * Unknown or malformed keys are AUTH_INVALID_API_KEY, revoked ones AUTH_API_KEY_REVOKED; both
 * are UNAUTHENTICATED so a caller learns nothing more than "no".
 */
export function makeAuthenticateApiKey(deps: AuthenticateApiKeyDeps) {
  return async (apiKey: string): Promise<Merchant> => {
    const invalid = () => checkoutErrors.create('AUTH_INVALID_API_KEY', 'invalid API key');
    if (!isWellFormedApiKey(apiKey)) throw invalid();
    const hash = hashApiKey(apiKey);
    const found = await deps.merchants.findApiKeyByHash(hash);
    // The lookup is by an index on the hash; the constant-time compare guards the final match.
    if (!found || !sameHash(found.keyHash, hash)) throw invalid();
    if (found.revokedAt) throw checkoutErrors.create('AUTH_API_KEY_REVOKED', 'API key was revoked');
    const merchant = await deps.merchants.findById(found.merchantId);
    if (!merchant) throw invalid();
    return merchant;
  };
}
