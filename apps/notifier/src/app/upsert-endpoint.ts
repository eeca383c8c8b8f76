import { type Secret } from '@tolem/config';
import { isLoopbackHost } from '@tolem/runtime';

import type { WebhookEndpoint } from '../domain/endpoint';
import { notifierErrors } from '../domain/errors';
import type { Clock, Transactor } from '../domain/ports';
import { routeUnrouted } from './fan-out';

export interface UpsertEndpointDeps {
  transactor: Transactor;
  clock: Clock;
  retryWindowMs: number;
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

/** As the gateway's Idempotency-Key, and the ledger's longest id. */
export const MAX_KEY_LENGTH = 255;

export function invalid(field: string, message: string) {
  return notifierErrors.create('NOTIFIER_INVALID_ENDPOINT', message, { details: { field } });
}

/** A merchant id, bounded so it always fits the endpoints' indexes (PostgreSQL's btree limit). */
export function requireMerchant(merchantId: string): void {
  if (!merchantId.trim() || merchantId.length > MAX_KEY_LENGTH) {
    throw invalid('merchant_id', `merchant_id is required (1..${MAX_KEY_LENGTH} characters)`);
  }
}

/**
 * An absolute http(s) URL without credentials, or NOTIFIER_INVALID_ENDPOINT naming `url`. An
 * endpoint that gets live events (a live one, or the default, which gets both modes) must use
 * https unless it is loopback: Standard Webhooks signs a delivery but does not hide the payment in it.
 */
export function checkEndpointUrl(url: string, live: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('url', 'url must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid('url', 'url must be an absolute http or https URL');
  }
  if (parsed.username || parsed.password) throw invalid('url', 'url must not carry credentials');
  if (live && parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw invalid('url', 'url must be https for an endpoint that receives live events');
  }
}

/**
 * Sets a merchant's default endpoint (checkout's onboarding): its URL and signing secret. Events
 * recorded while the merchant had no endpoint are routed in the same transaction.
 */
export function makeUpsertEndpoint(deps: UpsertEndpointDeps) {
  return async (input: UpsertEndpointInput): Promise<WebhookEndpoint> => {
    requireMerchant(input.merchantId);
    // The default endpoint gets live events too.
    checkEndpointUrl(input.url, true);
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
    const now = deps.clock.now();
    return deps.transactor.transact(async (repos) => {
      const endpoint = await repos.endpoints.upsertDefault({
        merchantId: input.merchantId,
        url: input.url,
        signingSecret: input.signingSecret,
        ...(previous && input.previousSecretExpiresAt
          ? {
              previousSigningSecret: previous,
              previousSecretExpiresAt: input.previousSecretExpiresAt,
            }
          : {}),
        now,
      });
      await routeUnrouted(repos, input.merchantId, now, deps.retryWindowMs);
      return endpoint;
    });
  };
}
