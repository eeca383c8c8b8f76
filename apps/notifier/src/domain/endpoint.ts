import type { Secret } from '@tolem/config';

export type BodyFormat = 'json' | 'form';
export const BODY_FORMATS: readonly BodyFormat[] = ['json', 'form'];

/**
 * What answer stops the retries (docs/webhooks.md): `ok` is seed 001's rule; the others let a shop
 * moving from another aggregator keep its handler.
 */
export type AckMode = 'ok' | 'OK' | 'OK_ORDER' | 'YES' | 'CODE_0' | 'ANY_2XX';
export const ACK_MODES: readonly AckMode[] = ['ok', 'OK', 'OK_ORDER', 'YES', 'CODE_0', 'ANY_2XX'];

export type EndpointStatus = 'enabled' | 'disabled';
/** Why an endpoint is disabled: '' while enabled. */
export type DisabledReason = '' | 'gone' | 'failing' | 'merchant' | 'deleted';

/** One of a merchant's notification URLs. */
export interface WebhookEndpoint {
  id: string;
  merchantId: string;
  url: string;
  description: string;
  /** The onboarding endpoint, managed by UpsertEndpoint (checkout); at most one per merchant. */
  isDefault: boolean;
  /**
   * The mode of the key that made it: it gets only that mode's events. The onboarding endpoint is
   * live and gets test events too (seed 001's result URL serves both; the body says which).
   */
  livemode: boolean;
  /** Subscribed event types; empty = every merchant notification type. */
  eventTypes: string[];
  format: BodyFormat;
  ack: AckMode;
  status: EndpointStatus;
  disabledReason: DisabledReason;
  disabledAt: Date | null;
  failingSince: Date | null;
  maxInFlight: number;
  /** Never logged; returned by the API only when created or rotated. */
  signingSecret: Secret;
  /** The secret a rotation replaced; it signs too until previousSecretExpiresAt. */
  previousSigningSecret?: Secret;
  previousSecretExpiresAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** Whether an endpoint gets events of this type (empty subscription = all). */
export function isSubscribed(endpoint: Pick<WebhookEndpoint, 'eventTypes'>, type: string): boolean {
  return endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type);
}

/** Whether an endpoint gets an event of this mode (see WebhookEndpoint.livemode). */
export function receivesMode(
  endpoint: Pick<WebhookEndpoint, 'isDefault' | 'livemode'>,
  eventLivemode: boolean,
): boolean {
  return endpoint.isDefault || endpoint.livemode === eventLivemode;
}

/**
 * Whether a caller of this mode may see and act on an endpoint or a delivery: a key only its own
 * mode's (so a test key never reads or changes the live configuration); an operator (mode unset)
 * every one.
 */
export function inMode(object: { livemode: boolean }, livemode?: boolean): boolean {
  return livemode === undefined || object.livemode === livemode;
}

/** Like Stripe's limit: enough for every system a shop feeds, few enough to fan out cheaply. */
export const MAX_ENDPOINTS_PER_MERCHANT = 16;
export const DEFAULT_MAX_IN_FLIGHT = 4;
export const MAX_DESCRIPTION_LENGTH = 500;

/** What an endpoint's history records (endpoint_events.type). */
export type EndpointEventType = 'delivery.exhausted' | 'endpoint.disabled' | 'endpoint.enabled';

export interface EndpointEvent {
  id: string;
  endpointId: string;
  merchantId: string;
  type: EndpointEventType;
  deliveryId: string | null;
  detail: string;
  createdAt: Date;
}
