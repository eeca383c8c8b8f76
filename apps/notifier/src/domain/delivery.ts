export type DeliveryStatus = 'pending' | 'delivered' | 'exhausted';

/** One notification of one event to one merchant, retried until acknowledged or expired. */
export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  paymentId: string;
  merchantId: string;
  /** The webhook endpoint (`we_…`) this delivery goes to. */
  endpointId: string;
  sequence: bigint;
  /** The endpoint's URL when the delivery was made (or last sent to). */
  url: string;
  /** The exact JSON body; every attempt sends (and signs) these bytes. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string;
  deliveredAt: Date | null;
  expiresAt: Date;
  createdAt: Date;
}

export type NewDelivery = Omit<
  Delivery,
  'attempts' | 'lastStatusCode' | 'lastError' | 'deliveredAt' | 'status'
>;

/**
 * Web-Oplata rule: only HTTP 200 whose body is exactly `ok` (surrounding whitespace ignored,
 * case-sensitive) stops the notifications.
 */
export function isAcknowledged(statusCode: number, body: string): boolean {
  return statusCode === 200 && body.trim() === 'ok';
}

/** Status and next attempt time after a failed attempt: retry until the window closes. */
export function afterFailure(
  expiresAt: Date,
  now: Date,
  delayMs: number,
): { status: DeliveryStatus; nextAttemptAt: Date } {
  if (now.getTime() >= expiresAt.getTime()) return { status: 'exhausted', nextAttemptAt: now };
  // The last retry lands exactly at the end of the window rather than past it.
  const next = Math.min(now.getTime() + delayMs, expiresAt.getTime());
  return { status: 'pending', nextAttemptAt: new Date(next) };
}

/** First characters of a merchant's answer, kept with each attempt for support. */
export const RESPONSE_SNIPPET_CHARS = 200;
