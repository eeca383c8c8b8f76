import { type Secret } from '@tolem/config';

import type { Endpoint } from '../domain/delivery';
import { notifierErrors } from '../domain/errors';
import type { Clock, EndpointRepository } from '../domain/ports';

export interface UpsertEndpointDeps {
  endpoints: EndpointRepository;
  clock: Clock;
}

export interface UpsertEndpointInput {
  merchantId: string;
  url: string;
  signingSecret: Secret;
  /** A rotation's replaced secret, signing too until previousSecretExpiresAt. */
  previousSigningSecret?: Secret;
  previousSecretExpiresAt?: Date;
}

/** Shortest signing secret accepted: shorter HMAC keys are guessable. */
export const MIN_SECRET_LENGTH = 16;

function invalid(field: string, message: string) {
  return notifierErrors.create('NOTIFIER_INVALID_ENDPOINT', message, { details: { field } });
}

/**
 * Sets a merchant's result URL and signing secret. Pending deliveries recorded while the merchant
 * had no endpoint get this URL and go out on the next dispatcher round.
 */
export function makeUpsertEndpoint(deps: UpsertEndpointDeps) {
  return async (input: UpsertEndpointInput): Promise<Endpoint> => {
    if (!input.merchantId.trim()) throw invalid('merchant_id', 'merchant_id is required');
    let parsed: URL;
    try {
      parsed = new URL(input.url);
    } catch {
      throw invalid('url', 'url must be an absolute http or https URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw invalid('url', 'url must be an absolute http or https URL');
    }
    if (parsed.username || parsed.password) throw invalid('url', 'url must not carry credentials');
    if (input.signingSecret.reveal().length < MIN_SECRET_LENGTH) {
      throw invalid(
        'signing_secret',
        `signing_secret must be at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    const previous = input.previousSigningSecret;
    if (previous && previous.reveal().length < MIN_SECRET_LENGTH) {
      throw invalid(
        'previous_signing_secret',
        `previous_signing_secret must be at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    if (previous && !input.previousSecretExpiresAt) {
      throw invalid(
        'previous_secret_expires_at',
        'previous_secret_expires_at is required with previous_signing_secret',
      );
    }
    return deps.endpoints.upsert({
      merchantId: input.merchantId,
      url: input.url,
      signingSecret: input.signingSecret,
      ...(previous && input.previousSecretExpiresAt
        ? {
            previousSigningSecret: previous,
            previousSecretExpiresAt: input.previousSecretExpiresAt,
          }
        : {}),
      updatedAt: deps.clock.now(),
    });
  };
}
