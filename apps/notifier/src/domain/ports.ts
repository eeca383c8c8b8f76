import type { Secret } from '@tolem/config';

import type { Delivery, NewDelivery } from './delivery';
import type {
  AckMode,
  BodyFormat,
  DisabledReason,
  EndpointEvent,
  EndpointStatus,
  WebhookEndpoint,
} from './endpoint';
import type { StoredEventData } from './payload';

export interface Clock {
  now(): Date;
}

export interface DefaultEndpointInput {
  merchantId: string;
  url: string;
  signingSecret: Secret;
  previousSigningSecret?: Secret;
  previousSecretExpiresAt?: Date;
  now: Date;
}

/** A merchant's webhook endpoints. */
export interface EndpointRepository {
  /** The onboarding endpoint (UpsertEndpoint's), if the merchant has one. */
  getDefault(merchantId: string): Promise<WebhookEndpoint | undefined>;
  /** Every endpoint of the merchant, enabled or not (disabled ones get deliveries that wait). */
  listForMerchant(merchantId: string): Promise<WebhookEndpoint[]>;
  /** Creates the default endpoint or replaces its URL and secrets (its other settings stay). */
  upsertDefault(input: DefaultEndpointInput): Promise<WebhookEndpoint>;
  /** The merchant's endpoint, unless deleted (another merchant's id finds nothing). */
  get(merchantId: string, id: string): Promise<WebhookEndpoint | undefined>;
  /** The endpoint an idempotency key created (deleted or not). */
  findByIdempotencyKey(merchantId: string, key: string): Promise<WebhookEndpoint | undefined>;
  insert(endpoint: WebhookEndpoint, idempotencyKey: string | null): Promise<WebhookEndpoint>;
  /** Changes the merchant's (not deleted) endpoint; undefined when there is none. */
  update(
    merchantId: string,
    id: string,
    patch: EndpointPatch,
  ): Promise<WebhookEndpoint | undefined>;
  markDeleted(merchantId: string, id: string, now: Date): Promise<boolean>;
}

export interface EndpointPatch {
  url?: string;
  description?: string;
  eventTypes?: string[];
  format?: BodyFormat;
  ack?: AckMode;
  maxInFlight?: number;
  status?: EndpointStatus;
  disabledReason?: DisabledReason;
  disabledAt?: Date | null;
  failingSince?: Date | null;
  signingSecret?: Secret;
  previousSigningSecret?: Secret | null;
  previousSecretExpiresAt?: Date | null;
  updatedAt: Date;
}

/** What happened to endpoints (raised by the dispatcher and by the API). */
export interface EndpointEventRepository {
  insert(event: EndpointEvent): Promise<void>;
  /** Newest first. */
  list(endpointId: string, beforeId: string | undefined, limit: number): Promise<EndpointEvent[]>;
}

export interface DeliveryFilter {
  merchantId: string;
  paymentId?: string;
  endpointId?: string;
  status?: Delivery['status'];
  /** Exclusive: rows with a smaller id (older) than this one. */
  beforeId?: string;
  limit: number;
}

export interface StoredAttempt {
  attemptedAt: Date;
  url: string;
  statusCode: number | null;
  error: string;
  durationMs: number;
  responseSnippet: string;
}

/** The management API's reads and bulk changes of deliveries (src/db/deliveries.queries.ts). */
export interface DeliveryQueries {
  /** Newest first (ids are time-sortable). */
  list(filter: DeliveryFilter): Promise<Delivery[]>;
  /** The delivery, if it is the merchant's (any merchant's when merchantId is empty). */
  get(merchantId: string, id: string): Promise<Delivery | undefined>;
  /** Oldest first. */
  attempts(deliveryId: string): Promise<StoredAttempt[]>;
  /** Pending, due now, a fresh window (first attempt forgotten); undefined when gone. */
  redeliver(id: string, now: Date, expiresAt: Date): Promise<Delivery | undefined>;
  /** Every exhausted delivery of the endpoint created at or after `since`: as redeliver. */
  recoverExhausted(endpointId: string, since: Date, now: Date, expiresAt: Date): Promise<number>;
  /** Gives up the endpoint's pending deliveries (it was deleted). */
  cancelPending(endpointId: string, reason: string): Promise<number>;
}

/** A merchant-notification event as kept for routing, redelivery and recovery. */
export interface StoredNotificationEvent {
  eventId: string;
  eventType: string;
  merchantId: string;
  paymentId: string;
  sequence: bigint;
  occurredAt: Date;
  data: StoredEventData;
  /** False while the merchant had no endpoint. */
  routed: boolean;
  createdAt: Date;
}

export interface NotificationEventRepository {
  /**
   * Serialises routing with endpoint creation for one merchant, until the transaction ends:
   * recording takes it shared, before reading the endpoints; creating an endpoint takes it
   * exclusive, before routing. So an event recorded while an endpoint is being created is either
   * seen by that creation's routing or sees the new endpoint.
   */
  lockMerchant(merchantId: string, mode: 'shared' | 'exclusive'): Promise<void>;
  /** False when the event is already stored (a duplicate). */
  insertOnce(event: StoredNotificationEvent): Promise<boolean>;
  /** The merchant's unrouted events created at or after `since`, oldest first. */
  listUnrouted(merchantId: string, since: Date): Promise<StoredNotificationEvent[]>;
  markRouted(eventIds: string[]): Promise<void>;
}

export interface NotifierRepositories {
  endpoints: EndpointRepository;
  events: NotificationEventRepository;
  deliveries: DeliveryRepository;
  endpointEvents: EndpointEventRepository;
  deliveryQueries: DeliveryQueries;
}

/** Runs `work` in one database transaction, with repositories bound to it. */
export interface Transactor {
  transact<T>(work: (repos: NotifierRepositories) => Promise<T>): Promise<T>;
}

/** A due delivery handed to one dispatcher, with the key to sign it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  signingSecret: Secret;
  /** Set while a rotation's overlap lasts: the replaced secret signs too. */
  previousSigningSecret?: Secret;
}

export interface AttemptRecord {
  deliveryId: string;
  attemptedAt: Date;
  statusCode: number | null;
  error: string;
  durationMs: number;
  responseSnippet: string;
  status: Delivery['status'];
  nextAttemptAt: Date;
}

export interface DeliveryQuery {
  merchantId: string;
  paymentId?: string;
  /** Exclusive: rows with a smaller id (older) than this one. */
  beforeId?: string;
  limit: number;
}

/** Deliveries and their attempts. */
export interface DeliveryRepository {
  /** Inserts unless the event already has a delivery to this endpoint; true when inserted. */
  insertOnce(delivery: NewDelivery): Promise<boolean>;
  get(id: string): Promise<Delivery | undefined>;
  /** Newest first (ids are time-sortable). */
  list(query: DeliveryQuery): Promise<Delivery[]>;
  /**
   * Claims up to `limit` due pending deliveries that have a URL, only the lowest-sequence pending one
   * of each payment (a payment's notifications go out in order), and leases them until
   * `leaseUntil` so no other dispatcher takes them; a crash just lets the lease run out.
   */
  claimDue(now: Date, limit: number, leaseUntil: Date): Promise<ClaimedDelivery[]>;
  /** Stores an attempt and the delivery's new state, atomically. */
  recordAttempt(attempt: AttemptRecord): Promise<void>;
  /** Makes a delivery pending and due at `now` (redelivery). */
  requeue(
    id: string,
    changes: { now: Date; expiresAt: Date; url: string },
  ): Promise<Delivery | undefined>;
}

/** The outcome of one POST to a merchant: a response, or a transport error (timeout, refused…). */
export type HttpOutcome =
  | { kind: 'response'; statusCode: number; body: string; durationMs: number }
  | { kind: 'error'; error: string; durationMs: number };

export interface MerchantHttp {
  post(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<HttpOutcome>;
}
