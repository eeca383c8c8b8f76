import { createHash, randomBytes } from 'node:crypto';

import { Secret } from '@tolem/config';
import { newId } from '@tolem/ids';

import type { Delivery } from '../domain/delivery';
import {
  type AckMode,
  type BodyFormat,
  DEFAULT_MAX_IN_FLIGHT,
  type EndpointEvent,
  type EndpointEventType,
  inMode,
  MAX_DESCRIPTION_LENGTH,
  MAX_ENDPOINTS_PER_MERCHANT,
  type WebhookEndpoint,
} from '../domain/endpoint';
import { notifierErrors } from '../domain/errors';
import { MERCHANT_NOTIFICATION_TYPES } from '../domain/notification-types';
import type {
  Clock,
  EndpointPatch,
  NotifierRepositories,
  StoredAttempt,
  Transactor,
} from '../domain/ports';
import { routeUnrouted } from './fan-out';
import { decodePageToken, encodePageToken } from './list-deliveries';
import { checkEndpointUrl, invalid, MAX_KEY_LENGTH, requireMerchant } from './upsert-endpoint';

export interface ManageEndpointsDeps {
  transactor: Transactor;
  clock: Clock;
  retryWindowMs: number;
}

/** Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (the HMAC key). */
export function newSigningSecret(): Secret {
  return new Secret(`whsec_${randomBytes(32).toString('base64')}`);
}

export const DEFAULT_ROTATION_OVERLAP_S = 24 * 3600;
export const MAX_ROTATION_OVERLAP_S = 7 * 24 * 3600;

function sha256(secret: Secret): string {
  return createHash('sha256').update(secret.reveal()).digest('hex');
}

function endpointNotFound(endpointId: string) {
  return notifierErrors.create('NOTIFIER_ENDPOINT_NOT_FOUND', 'no such endpoint', {
    details: { endpoint_id: endpointId },
  });
}

function deliveryNotFound(deliveryId: string) {
  return notifierErrors.create('NOTIFIER_DELIVERY_NOT_FOUND', 'no such delivery', {
    details: { delivery_id: deliveryId },
  });
}

/** Known merchant notification types only, each once (order kept): a typo must not subscribe to nothing. */
export function checkEventTypes(types: readonly string[]): string[] {
  const unique = [...new Set(types)];
  const unknown = unique.find((t) => !MERCHANT_NOTIFICATION_TYPES.has(t));
  if (unknown !== undefined) {
    throw invalid(
      'event_types',
      `unknown event type "${unknown.slice(0, 64)}"; see the event types in docs/webhooks.md`,
    );
  }
  return unique;
}

function checkDescription(description: string): string {
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalid(
      'description',
      `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  }
  return description;
}

function checkMaxInFlight(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw invalid('max_in_flight', 'max_in_flight must be 1..64');
  }
  return n;
}

export interface CreateEndpointInput {
  merchantId: string;
  url: string;
  description: string;
  eventTypes: string[];
  format?: BodyFormat;
  ack?: AckMode;
  maxInFlight?: number;
  /** '' when the caller sent none. */
  idempotencyKey: string;
  /** The key's mode: the endpoint gets only that mode's events. Unset (an operator): live. */
  livemode?: boolean;
}

export interface UpdateEndpointInput {
  merchantId: string;
  endpointId: string;
  url?: string;
  description?: string;
  eventTypes?: string[];
  format?: BodyFormat;
  ack?: AckMode;
  maxInFlight?: number;
  /** The caller's mode: an endpoint of the other mode is not found. Unset (an operator): any. */
  livemode?: boolean;
}

/** The first setting a replayed create asks differently from what the first one created. */
function differingSetting(e: WebhookEndpoint, input: CreateEndpointInput): string | undefined {
  const asked: [string, unknown, unknown][] = [
    ['url', e.url, input.url],
    ['description', e.description, input.description],
    ['event_types', e.eventTypes.join('\n'), checkEventTypes(input.eventTypes).join('\n')],
    ['format', e.format, input.format ?? 'json'],
    ['ack', e.ack, input.ack ?? 'ok'],
    ['max_in_flight', e.maxInFlight, input.maxInFlight || DEFAULT_MAX_IN_FLIGHT],
    ['livemode', e.livemode, input.livemode ?? true],
  ];
  return asked.find(([, stored, wanted]) => stored !== wanted)?.[0];
}

/** The endpoint and delivery use cases of the management API (gRPC and the gateway's /v1 routes). */
export function makeManageEndpoints(deps: ManageEndpointsDeps) {
  const { transactor, clock } = deps;

  async function mustGet(
    repos: NotifierRepositories,
    merchantId: string,
    endpointId: string,
    livemode: boolean | undefined,
  ): Promise<WebhookEndpoint> {
    requireMerchant(merchantId);
    const endpoint = endpointId ? await repos.endpoints.get(merchantId, endpointId) : undefined;
    if (!endpoint || !inMode(endpoint, livemode)) throw endpointNotFound(endpointId);
    return endpoint;
  }

  /**
   * A rotation retried with its key: the secret it made, while that is still the current one.
   * Once another rotation replaced it the secret is gone from the answer path (it would no
   * longer verify anything new), so the retry is a conflict rather than a silent second rotation.
   */
  async function replayRotation(
    repos: NotifierRepositories,
    endpoint: WebhookEndpoint,
    idempotencyKey: string,
    overlap: number,
  ): Promise<{ endpoint: WebhookEndpoint; signingSecret: Secret; replayed: boolean }> {
    const prior = await repos.endpoints.rotationOf(endpoint.id, idempotencyKey);
    if (prior && prior.overlapSeconds !== overlap) {
      throw notifierErrors.create(
        'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key rotated the secret with another overlap_seconds',
        { details: { field: 'overlap_seconds' } },
      );
    }
    if (!prior || prior.secretSha256 !== sha256(endpoint.signingSecret)) {
      throw notifierErrors.create(
        'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key rotated a secret that a later rotation has replaced',
      );
    }
    return { endpoint, signingSecret: endpoint.signingSecret, replayed: true };
  }

  async function raise(
    repos: NotifierRepositories,
    endpoint: WebhookEndpoint,
    type: EndpointEventType,
    detail: string,
    now: Date,
  ): Promise<void> {
    const event: EndpointEvent = {
      id: newId('wev'),
      endpointId: endpoint.id,
      merchantId: endpoint.merchantId,
      type,
      deliveryId: null,
      detail,
      createdAt: now,
    };
    await repos.endpointEvents.insert(event);
  }

  async function patch(
    repos: NotifierRepositories,
    endpoint: WebhookEndpoint,
    changes: Omit<EndpointPatch, 'updatedAt'>,
    now: Date,
  ): Promise<WebhookEndpoint> {
    const updated = await repos.endpoints.update(endpoint.merchantId, endpoint.id, {
      ...changes,
      updatedAt: now,
    });
    if (!updated) throw endpointNotFound(endpoint.id);
    return updated;
  }

  return {
    async createEndpoint(
      input: CreateEndpointInput,
    ): Promise<{ endpoint: WebhookEndpoint; signingSecret: Secret; replayed: boolean }> {
      requireMerchant(input.merchantId);
      if (input.idempotencyKey.length > MAX_KEY_LENGTH) {
        throw invalid(
          'idempotency_key',
          `the idempotency key is at most ${MAX_KEY_LENGTH} characters`,
        );
      }
      // Unset (an operator): live, as the endpoint is created.
      checkEndpointUrl(input.url, input.livemode ?? true);
      const eventTypes = checkEventTypes(input.eventTypes);
      const description = checkDescription(input.description);
      const maxInFlight = checkMaxInFlight(input.maxInFlight || DEFAULT_MAX_IN_FLIGHT);
      const now = clock.now();
      return transactor.transact(async (repos) => {
        // Serialises this merchant's creations (the limit, the key) with recording its events.
        await repos.events.lockMerchant(input.merchantId, 'exclusive');
        if (input.idempotencyKey) {
          const prior = await repos.endpoints.findByIdempotencyKey(
            input.merchantId,
            input.idempotencyKey,
          );
          if (prior) {
            const field = differingSetting(prior, input);
            if (field) {
              throw notifierErrors.create(
                'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
                `this Idempotency-Key created an endpoint with another ${field}`,
                { details: { field } },
              );
            }
            return { endpoint: prior, signingSecret: prior.signingSecret, replayed: true };
          }
        }
        const existing = await repos.endpoints.listForMerchant(input.merchantId);
        if (existing.length >= MAX_ENDPOINTS_PER_MERCHANT) {
          throw notifierErrors.create(
            'NOTIFIER_ENDPOINT_LIMIT',
            `a merchant has at most ${MAX_ENDPOINTS_PER_MERCHANT} endpoints; delete one first`,
          );
        }
        const signingSecret = newSigningSecret();
        const endpoint = await repos.endpoints.insert(
          {
            id: newId('we'),
            merchantId: input.merchantId,
            url: input.url,
            description,
            isDefault: false,
            livemode: input.livemode ?? true,
            eventTypes,
            format: input.format ?? 'json',
            ack: input.ack ?? 'ok',
            status: 'enabled',
            disabledReason: '',
            disabledAt: null,
            failingSince: null,
            maxInFlight,
            signingSecret,
            createdAt: now,
            updatedAt: now,
          },
          input.idempotencyKey || null,
        );
        await routeUnrouted(repos, input.merchantId, now, deps.retryWindowMs);
        return { endpoint, signingSecret, replayed: false };
      });
    },

    async getEndpoint(
      merchantId: string,
      endpointId: string,
      livemode?: boolean,
    ): Promise<WebhookEndpoint> {
      return transactor.transact((repos) => mustGet(repos, merchantId, endpointId, livemode));
    },

    /** The caller's mode's endpoints (every one for an operator, livemode unset). */
    async listEndpoints(merchantId: string, livemode?: boolean): Promise<WebhookEndpoint[]> {
      requireMerchant(merchantId);
      const all = await transactor.transact((repos) => repos.endpoints.listForMerchant(merchantId));
      return all.filter((e) => inMode(e, livemode));
    },

    /**
     * A new URL reaches pending deliveries because sending reads the endpoint's URL; a new format
     * applies to deliveries made from now on (a delivery's bytes never change between attempts).
     */
    async updateEndpoint(input: UpdateEndpointInput): Promise<WebhookEndpoint> {
      // Its mode is known once it is read (below); the rest of the URL is checked before.
      if (input.url !== undefined) checkEndpointUrl(input.url, false);
      const changes: Omit<EndpointPatch, 'updatedAt'> = {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined
          ? { description: checkDescription(input.description) }
          : {}),
        ...(input.eventTypes !== undefined
          ? { eventTypes: checkEventTypes(input.eventTypes) }
          : {}),
        ...(input.format !== undefined ? { format: input.format } : {}),
        ...(input.ack !== undefined ? { ack: input.ack } : {}),
        ...(input.maxInFlight !== undefined
          ? { maxInFlight: checkMaxInFlight(input.maxInFlight) }
          : {}),
      };
      return transactor.transact(async (repos) => {
        const endpoint = await mustGet(repos, input.merchantId, input.endpointId, input.livemode);
        if (input.url !== undefined)
          checkEndpointUrl(input.url, endpoint.livemode || endpoint.isDefault);
        if (endpoint.isDefault && input.url !== undefined && input.url !== endpoint.url) {
          throw notifierErrors.create(
            'NOTIFIER_DEFAULT_ENDPOINT_MANAGED',
            "the default endpoint's URL is the merchant's notification URL; change it there",
          );
        }
        return patch(repos, endpoint, changes, clock.now());
      });
    },

    /** Like Stripe's delete: gone from the API and from fan-out; its log stays for support. */
    async deleteEndpoint(
      merchantId: string,
      endpointId: string,
      livemode?: boolean,
    ): Promise<{ endpointId: string; canceledDeliveries: number }> {
      return transactor.transact(async (repos) => {
        const endpoint = await mustGet(repos, merchantId, endpointId, livemode);
        if (endpoint.isDefault) {
          throw notifierErrors.create(
            'NOTIFIER_DEFAULT_ENDPOINT_MANAGED',
            'the default endpoint cannot be deleted; disable it instead',
          );
        }
        await repos.endpoints.markDeleted(merchantId, endpointId, clock.now());
        const canceled = await repos.deliveryQueries.cancelPending(endpointId, 'endpoint deleted');
        return { endpointId, canceledDeliveries: canceled };
      });
    },

    /** Pending deliveries resume; a failing streak starts again from the next attempt. */
    async enableEndpoint(
      merchantId: string,
      endpointId: string,
      livemode?: boolean,
    ): Promise<WebhookEndpoint> {
      return transactor.transact(async (repos) => {
        const endpoint = await mustGet(repos, merchantId, endpointId, livemode);
        if (endpoint.status === 'enabled') return endpoint;
        const now = clock.now();
        const updated = await patch(
          repos,
          endpoint,
          { status: 'enabled', disabledReason: '', disabledAt: null, failingSince: null },
          now,
        );
        await raise(repos, updated, 'endpoint.enabled', `was ${endpoint.disabledReason}`, now);
        return updated;
      });
    },

    async disableEndpoint(
      merchantId: string,
      endpointId: string,
      livemode?: boolean,
    ): Promise<WebhookEndpoint> {
      return transactor.transact(async (repos) => {
        const endpoint = await mustGet(repos, merchantId, endpointId, livemode);
        if (endpoint.status === 'disabled') return endpoint;
        const now = clock.now();
        const updated = await patch(
          repos,
          endpoint,
          { status: 'disabled', disabledReason: 'merchant', disabledAt: now },
          now,
        );
        await raise(repos, updated, 'endpoint.disabled', 'merchant', now);
        return updated;
      });
    },

    /** The current secret keeps signing next to the new one for the overlap (both signatures sent). */
    async rotateSecret(input: {
      merchantId: string;
      endpointId: string;
      overlapSeconds: number;
      idempotencyKey: string;
      livemode?: boolean;
    }): Promise<{ endpoint: WebhookEndpoint; signingSecret: Secret; replayed: boolean }> {
      const { merchantId, endpointId, overlapSeconds, idempotencyKey } = input;
      if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0) {
        throw invalid('overlap_seconds', 'overlap_seconds must not be negative');
      }
      if (overlapSeconds > MAX_ROTATION_OVERLAP_S) {
        throw invalid(
          'overlap_seconds',
          `overlap_seconds must be at most ${MAX_ROTATION_OVERLAP_S}`,
        );
      }
      if (!idempotencyKey || idempotencyKey.length > MAX_KEY_LENGTH) {
        throw invalid(
          'idempotency_key',
          `a rotation needs an idempotency key of 1 to ${MAX_KEY_LENGTH} characters`,
        );
      }
      const overlap = overlapSeconds || DEFAULT_ROTATION_OVERLAP_S;
      return transactor.transact(async (repos) => {
        requireMerchant(merchantId);
        // Serialises this merchant's endpoint changes: two rotations never both keep the same
        // previous secret, and a retry waits for the first call and then sees its secret.
        await repos.events.lockMerchant(merchantId, 'exclusive');
        const endpoint = await mustGet(repos, merchantId, endpointId, input.livemode);
        if (endpoint.isDefault) {
          throw notifierErrors.create(
            'NOTIFIER_DEFAULT_ENDPOINT_MANAGED',
            "the default endpoint's secret is the merchant's webhook secret; rotate it there",
          );
        }
        // A key names one rotation of the merchant's, not one per endpoint.
        const elsewhere = await repos.endpoints.rotatedElsewhereWith(
          merchantId,
          idempotencyKey,
          endpoint.id,
        );
        if (elsewhere) {
          throw notifierErrors.create(
            'NOTIFIER_IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key rotated the secret of another endpoint',
            { details: { field: 'endpoint_id' } },
          );
        }
        const now = clock.now();
        const signingSecret = newSigningSecret();
        const claimed = await repos.endpoints.claimRotation({
          endpointId: endpoint.id,
          idempotencyKey,
          overlapSeconds: overlap,
          secretSha256: sha256(signingSecret),
          rotatedAt: now,
        });
        if (!claimed) return replayRotation(repos, endpoint, idempotencyKey, overlap);
        const updated = await patch(
          repos,
          endpoint,
          {
            signingSecret,
            previousSigningSecret: endpoint.signingSecret,
            previousSecretExpiresAt: new Date(now.getTime() + overlap * 1000),
          },
          now,
        );
        return { endpoint: updated, signingSecret, replayed: false };
      });
    },

    async getDelivery(
      merchantId: string,
      deliveryId: string,
      livemode?: boolean,
    ): Promise<{ delivery: Delivery; attempts: StoredAttempt[] }> {
      return transactor.transact(async (repos) => {
        const delivery = deliveryId
          ? await repos.deliveryQueries.get(merchantId, deliveryId)
          : undefined;
        if (!delivery || !inMode(delivery, livemode)) throw deliveryNotFound(deliveryId);
        return { delivery, attempts: await repos.deliveryQueries.attempts(deliveryId) };
      });
    },

    /** Every exhausted delivery of the endpoint created since `since`: pending, due now, a fresh window. */
    async recoverEndpoint(
      merchantId: string,
      endpointId: string,
      since: Date | undefined,
      livemode?: boolean,
    ): Promise<number> {
      const now = clock.now();
      if (!since || Number.isNaN(since.getTime())) throw invalid('since', 'since is required');
      if (since.getTime() > now.getTime())
        throw invalid('since', 'since must not be in the future');
      return transactor.transact(async (repos) => {
        const endpoint = await mustGet(repos, merchantId, endpointId, livemode);
        // The onboarding endpoint gets both modes: a key recovers its own mode's deliveries.
        return repos.deliveryQueries.recoverExhausted(
          endpoint.id,
          since,
          now,
          new Date(now.getTime() + deps.retryWindowMs),
          livemode,
        );
      });
    },

    async listEndpointEvents(input: {
      merchantId: string;
      endpointId: string;
      pageSize: number;
      pageToken: string;
      livemode?: boolean;
    }): Promise<{ events: EndpointEvent[]; nextPageToken: string }> {
      if (input.pageSize < 0) throw invalid('page_size', 'page_size must not be negative');
      const limit = input.pageSize === 0 ? 50 : Math.min(input.pageSize, 100);
      const beforeId = input.pageToken ? decodePageToken(input.pageToken) : undefined;
      return transactor.transact(async (repos) => {
        const endpoint = await mustGet(repos, input.merchantId, input.endpointId, input.livemode);
        const rows = await repos.endpointEvents.list(endpoint.id, beforeId, limit + 1);
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          events: page,
          nextPageToken: rows.length > limit && last ? encodePageToken(last.id) : '',
        };
      });
    },
  };
}

export type ManageEndpoints = ReturnType<typeof makeManageEndpoints>;
