import { isAcknowledged, refusalReason } from './ack';
import { backoffDelayMs, type BackoffPolicy, parseRetryAfterMs } from './backoff';
import type { AckMode } from './endpoint';
import type { HttpOutcome } from './ports';

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
  /** Its event's mode (absent on an event = test): a key lists and redelivers only its own. */
  livemode: boolean;
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
  /** W3C trace context of the event's handling: each attempt is a span of that trace. */
  traceContext?: Record<string, string>;
}

export type NewDelivery = Omit<
  Delivery,
  'attempts' | 'lastStatusCode' | 'lastError' | 'deliveredAt' | 'status'
>;

/** First characters of a merchant's answer, kept with each attempt for support. */
export const RESPONSE_SNIPPET_CHARS = 200;

export interface RetryPolicy {
  /** Retries go on until this long after the FIRST attempt (72 h). */
  windowMs: number;
  backoff: BackoffPolicy;
  /** A merchant's Retry-After is honoured up to this long. */
  maxRetryAfterMs: number;
}

/** What an attempt means for its endpoint's health. */
export type EndpointVerdict = 'succeeded' | 'failed' | 'gone';

export interface AttemptDecision {
  status: DeliveryStatus;
  nextAttemptAt: Date;
  /** '' when acknowledged, else why not (HTTP status, the expected answer, transport error). */
  error: string;
  endpoint: EndpointVerdict;
}

/**
 * What one attempt's outcome makes of a delivery. Acknowledged (per the endpoint's ack mode):
 * delivered. Otherwise retried after a jittered exponential backoff, or after the merchant's
 * Retry-After on 429/503 (capped, never sooner than the minimum backoff), until the window that
 * started at the first attempt closes: then exhausted. The last retry lands at the end of the
 * window rather than past it. 410 tells the endpoint is gone (the caller disables it).
 */
export function decideAttempt(input: {
  ack: AckMode;
  orderId: string;
  outcome: HttpOutcome;
  /** Failed attempts before this one. */
  previousAttempts: number;
  firstAttemptAt: Date;
  finishedAt: Date;
  policy: RetryPolicy;
  random: () => number;
}): AttemptDecision {
  const { outcome, finishedAt, policy } = input;
  if (
    outcome.kind === 'response' &&
    isAcknowledged(input.ack, outcome, { orderId: input.orderId })
  ) {
    return { status: 'delivered', nextAttemptAt: finishedAt, error: '', endpoint: 'succeeded' };
  }
  const error =
    outcome.kind === 'error'
      ? outcome.error
      : refusalReason(input.ack, outcome.statusCode, input.orderId);
  const endpoint: EndpointVerdict =
    outcome.kind === 'response' && outcome.statusCode === 410 ? 'gone' : 'failed';
  const deadline = input.firstAttemptAt.getTime() + policy.windowMs;
  if (finishedAt.getTime() >= deadline) {
    return { status: 'exhausted', nextAttemptAt: finishedAt, error, endpoint };
  }
  let delayMs = backoffDelayMs(input.previousAttempts + 1, policy.backoff, input.random);
  if (outcome.kind === 'response' && (outcome.statusCode === 429 || outcome.statusCode === 503)) {
    const asked = parseRetryAfterMs(outcome.headers.retryAfter, finishedAt);
    if (asked !== undefined) {
      delayMs = Math.min(policy.maxRetryAfterMs, Math.max(policy.backoff.minMs, asked));
    }
  }
  return {
    status: 'pending',
    nextAttemptAt: new Date(Math.min(finishedAt.getTime() + delayMs, deadline)),
    error,
    endpoint,
  };
}
