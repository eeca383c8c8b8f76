import type { Secret } from '@tolem/config';

import type { Delivery, Endpoint, NewDelivery } from './delivery';

export interface Clock {
  now(): Date;
}

/** Merchant endpoints (result URL + signing secret), one per merchant. */
export interface EndpointRepository {
  get(merchantId: string): Promise<Endpoint | undefined>;
  /**
   * Creates or replaces the merchant's endpoint and, atomically, gives its pending deliveries that
   * still have no URL this one (they were recorded before the merchant had an endpoint).
   */
  upsert(endpoint: Endpoint): Promise<Endpoint>;
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
  /** Inserts unless the event already has a delivery; true when inserted. */
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
  /**
   * Gives pending URL-less deliveries their merchant's endpoint URL if one exists now. Closes the
   * race where an event is consumed while UpsertEndpoint commits (neither sees the other's row).
   */
  routeUnrouted(): Promise<number>;
  /** Gives up on pending deliveries that never got a URL before their window closed. */
  expireUnroutable(now: Date): Promise<number>;
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
