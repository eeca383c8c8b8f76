import { newId } from '@tolem/ids';

import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../domain/api-key';
import { checkoutErrors } from '../domain/errors';
import { fingerprintOf, firstDifferingField } from '../domain/fingerprint';
import {
  canonicalMerchantRequest,
  type CreateMerchantInput,
  type Merchant,
  MERCHANT_REQUEST_FIELDS,
  validateMerchantRequest,
} from '../domain/merchant';
import type { Clock, MerchantRepository } from '../domain/ports';

export interface CreateMerchantDeps {
  merchants: MerchantRepository;
  clock: Clock;
}

export interface CreateMerchantOutput {
  merchant: Merchant;
  /** The only time the key is seen; empty on a replay (it cannot be recovered from its hash). */
  apiKey: string;
  replayed: boolean;
}

/**
 * Creates a merchant with its first API key. Idempotent on idempotency_key when one is given:
 * the same request returns the original merchant; a different one is IDEMPOTENCY_KEY_REUSED
 * naming the first differing field, and nothing is written.
 */
export function makeCreateMerchant(deps: CreateMerchantDeps) {
  return async (input: CreateMerchantInput): Promise<CreateMerchantOutput> => {
    validateMerchantRequest(input);
    const canonical = canonicalMerchantRequest(input);
    const requestFingerprint = fingerprintOf(canonical);
    const merchant: Merchant = {
      id: newId('mer'),
      name: input.name,
      enabledMethods: [...input.enabledMethods],
      webmoneyShopId: input.webmoneyShopId,
      defaultSuccessUrl: input.defaultSuccessUrl,
      defaultFailUrl: input.defaultFailUrl,
      createdAt: deps.clock.now(),
    };
    const apiKey = generateApiKey();
    const result = await deps.merchants.create(
      merchant,
      { id: newId('key'), keyPrefix: apiKeyDisplayPrefix(apiKey), keyHash: hashApiKey(apiKey) },
      input.idempotencyKey ? { key: input.idempotencyKey, requestFingerprint } : null,
    );
    if (result.created) return { merchant: result.merchant, apiKey, replayed: false };
    if (result.requestFingerprint !== requestFingerprint) {
      const field =
        firstDifferingField(
          canonicalMerchantRequest(result.merchant),
          canonical,
          MERCHANT_REQUEST_FIELDS,
        ) ?? 'request';
      throw checkoutErrors.create(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency key was used for a different merchant request (${field} differs)`,
        { details: { field } },
      );
    }
    return { merchant: result.merchant, apiKey: '', replayed: true };
  };
}
