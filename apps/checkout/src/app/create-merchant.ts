import { randomBytes } from 'node:crypto';

import { newId } from '@tolem/ids';

import {
  apiKeyDisplayPrefix,
  type ApiKeyRecord,
  generateApiKey,
  hashApiKey,
} from '../domain/api-key';
import { checkoutErrors } from '../domain/errors';
import { fingerprintOf, firstDifferingField } from '../domain/fingerprint';
import {
  canonicalMerchantRequest,
  canonicalPeerRequest,
  type CreateMerchantInput,
  type Merchant,
  MERCHANT_REQUEST_FIELDS,
  onboardingStepsOf,
  validateMerchantRequest,
} from '../domain/merchant';
import type { Clock, MerchantRepository } from '../domain/ports';
import type { DeliverOnboarding } from './onboarding';

export interface CreateMerchantDeps {
  merchants: MerchantRepository;
  clock: Clock;
  /** Delivers the new merchant's onboarding steps at once; what fails is left to the sweeper. */
  deliverOnboarding: DeliverOnboarding;
}

export interface CreateMerchantOutput {
  merchant: Merchant;
  /** The only time the key is seen; empty on a replay (it cannot be recovered from its hash). */
  apiKey: string;
  apiKeyRecord: ApiKeyRecord | null;
  /** The notifier's signing secret, shown once; empty on a replay or without a notification URL. */
  webhookSigningSecret: string;
  /** The form-signing secret (`POST /pay`), shown once; empty on a replay. */
  formSecret: string;
  replayed: boolean;
}

/**
 * `whsec_` + standard base64 of 256 random bits: the Standard Webhooks secret format, which
 * merchants' verification libraries decode into the HMAC key.
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** `fsk_` + 256 random bits: the key merchants sign `POST /pay` forms with. */
export function newFormSecret(): string {
  return `fsk_${randomBytes(32).toString('base64url')}`;
}

/**
 * Onboards a merchant: the merchant, its first API key and the steps its peers must take (the
 * ledger's fee plan and negative-balance flag, the notifier's endpoint) are written in one
 * transaction, then the steps are delivered; a peer that is down leaves its step to the
 * onboarding sweeper and the merchant shows it in pendingSteps. Idempotent on idempotency_key when
 * one is given: the same request returns the original merchant; a different one is
 * IDEMPOTENCY_KEY_REUSED naming the first differing field, and nothing is written.
 */
export function makeCreateMerchant(deps: CreateMerchantDeps) {
  return async (input: CreateMerchantInput): Promise<CreateMerchantOutput> => {
    validateMerchantRequest(input);
    const canonical = canonicalMerchantRequest(input);
    const requestFingerprint = fingerprintOf({ ...canonical, ...canonicalPeerRequest(input) });
    const now = deps.clock.now();
    const steps = onboardingStepsOf(input);
    const merchant: Merchant = {
      id: newId('mer'),
      name: input.name,
      enabledMethods: [...input.enabledMethods],
      webmoneyShopId: input.webmoneyShopId,
      defaultSuccessUrl: input.defaultSuccessUrl,
      defaultFailUrl: input.defaultFailUrl,
      vatRate: input.vatRate as Merchant['vatRate'],
      notificationUrl: input.notificationUrl,
      createdAt: now,
      updatedAt: now,
      pendingSteps: steps.map((s) => s.step),
    };
    const apiKey = generateApiKey(input.apiKeyMode);
    const apiKeyRecord: ApiKeyRecord = {
      id: newId('key'),
      merchantId: merchant.id,
      mode: input.apiKeyMode,
      name: '',
      keyPrefix: apiKeyDisplayPrefix(apiKey),
      keyHash: hashApiKey(apiKey),
      createdAt: now,
      revokedAt: null,
      expiresAt: null,
      rolledTo: null,
    };
    const webhookSecret = newWebhookSecret();
    const formSecret = newFormSecret();
    const result = await deps.merchants.create(
      merchant,
      apiKeyRecord,
      steps,
      { webhook: webhookSecret, form: formSecret },
      input.idempotencyKey ? { key: input.idempotencyKey, requestFingerprint } : null,
    );
    if (result.created) {
      const delivered = await deps.deliverOnboarding(merchant.id);
      return {
        merchant: delivered ?? result.merchant,
        apiKey,
        apiKeyRecord,
        webhookSigningSecret: input.notificationUrl === '' ? '' : webhookSecret,
        formSecret,
        replayed: false,
      };
    }
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
    return {
      merchant: result.merchant,
      apiKey: '',
      apiKeyRecord: null,
      webhookSigningSecret: '',
      formSecret: '',
      replayed: true,
    };
  };
}
