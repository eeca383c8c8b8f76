import type { Secret } from '@tolem/config';

import type { AttemptDecision, Delivery, NewDelivery } from './delivery';
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
  /**
   * Records that `key` rotates the endpoint's secret; false when the key already did (its first
   * rotation is then `rotationOf`'s).
   */
  claimRotation(rotation: SecretRotation): Promise<boolean>;
  rotationOf(endpointId: string, key: string): Promise<SecretRotation | undefined>;
  /** Another endpoint of the merchant (deleted ones too) whose secret `key` rotated, if any. */
  rotatedElsewhereWith(
    merchantId: string,
    key: string,
    endpointId: string,
  ): Promise<string | undefined>;
}

/** One rotation of an endpoint's signing secret, by its idempotency key. */
export interface SecretRotation {
  endpointId: string;
  idempotencyKey: string;
  overlapSeconds: number;
  /** SHA-256 (hex) of the secret it made, never the secret. */
  secretSha256: string;
  rotatedAt: Date;
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
  /** Only this mode's deliveries (unset: both). */
  livemode?: boolean;
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
  /**
   * Every exhausted delivery of the endpoint created at or after `since` (of one mode when given):
   * as redeliver.
   */
  recoverExhausted(
    endpointId: string,
    since: Date,
    now: Date,
    expiresAt: Date,
    livemode?: boolean,
  ): Promise<number>;
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

export interface DeliveryQuery {
  merchantId: string;
  paymentId?: string;
  /** Exclusive: rows with a smaller id (older) than this one. */
  beforeId?: string;
  limit: number;
}

/** Deliveries and their attempts. */
export interface DeliveryRepository {
  /**
   * Inserts, in one statement, each delivery whose event has none to its endpoint yet; answers
   * how many were new.
   */
  insertMany(deliveries: readonly NewDelivery[]): Promise<number>;
  get(id: string): Promise<Delivery | undefined>;
  /** Newest first (ids are time-sortable). */
  list(query: DeliveryQuery): Promise<Delivery[]>;
  /** Makes a delivery pending and due at `now` (redelivery). */
  requeue(
    id: string,
    changes: { now: Date; expiresAt: Date; url: string },
  ): Promise<Delivery | undefined>;
}

/** The outcome of one POST to a merchant: a response, or a transport error (timeout, refused…). */
export type HttpOutcome =
  | {
      kind: 'response';
      statusCode: number;
      /** The first bytes of the answer only (the client caps what it reads). */
      body: string;
      /** The headers the dispatcher acts on. */
      headers: { retryAfter?: string };
      durationMs: number;
    }
  | { kind: 'error'; error: string; durationMs: number };

export interface MerchantHttp {
  post(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<HttpOutcome>;
}

/** A claimed delivery with what sending it needs, read from its endpoint at claim time. */
export interface DispatchTarget {
  delivery: Delivery;
  /**
   * The lease this claim took. The attempt's result is recorded only while the delivery still
   * holds it: a late result (its lease ran out and another dispatcher claimed the delivery)
   * changes nothing.
   */
  leasedUntil: Date;
  /** Null before the first attempt: the retry window starts with it. */
  firstAttemptAt: Date | null;
  /** The merchant's order id (OK_ORDER acknowledgements). */
  orderId: string;
  endpoint: {
    id: string;
    url: string;
    format: BodyFormat;
    ack: AckMode;
    signingSecret: Secret;
    /** Set while a rotation's overlap lasts: the replaced secret signs too. */
    previousSigningSecret?: Secret;
  };
}

/** One finished attempt and what it decided, stored atomically with its consequences. */
export interface AttemptResult {
  target: DispatchTarget;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  responseSnippet: string;
  decision: AttemptDecision;
  /** An endpoint failing since at or before this is disabled (3 days of failures). */
  disableIfFailingSince: Date;
}

/** What recording an attempt raised, for logging. */
export interface AttemptEffects {
  exhausted: boolean;
  endpointDisabled?: DisabledReason;
}

/** What the dispatcher needs of the database. */
export interface DispatchRepository {
  /**
   * Leases up to `limit` due pending deliveries until `leaseUntil`: only of enabled endpoints,
   * at most `max_in_flight` leased per endpoint, only the lowest-sequence pending delivery of a
   * payment per endpoint (its notifications go out in order). Rows another dispatcher holds are
   * skipped; a crashed dispatcher's leases simply run out. With `endpointIds`, only those
   * endpoints' deliveries (the ones new work or a finished attempt named).
   */
  claim(
    now: Date,
    limit: number,
    leaseUntil: Date,
    endpointIds?: readonly string[],
  ): Promise<DispatchTarget[]>;
  /**
   * Stores the attempt, the delivery's new state (lease released), and the endpoint's health:
   * failing_since set on a failure and cleared on success; disabled on 410 (`gone`) or when
   * failing for too long (`failing`), with an `endpoint.disabled` event; an exhausted delivery
   * raises `delivery.exhausted`.
   */
  recordAttempt(result: AttemptResult): Promise<AttemptEffects>;
  /** Deliveries of disabled endpoints whose window closed without an attempt become exhausted. */
  expireWaiting(now: Date, windowMs: number): Promise<number>;
}
