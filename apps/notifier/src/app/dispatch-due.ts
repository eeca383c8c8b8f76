import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff';
import { afterFailure, isAcknowledged, RESPONSE_SNIPPET_CHARS } from '../domain/delivery';
import type { ClaimedDelivery, Clock, DeliveryRepository, MerchantHttp } from '../domain/ports';
import { webhookHeaders } from '../domain/signature';

export interface DispatchDueDeps {
  deliveries: DeliveryRepository;
  http: MerchantHttp;
  clock: Clock;
  random: () => number;
  backoff: BackoffPolicy;
  timeoutMs: number;
  batchSize: number;
}

export interface AttemptSummary {
  deliveryId: string;
  paymentId: string;
  attempt: number;
  statusCode: number | null;
  error: string;
  status: 'pending' | 'delivered' | 'exhausted';
}

/**
 * One dispatcher round: claims due deliveries, POSTs each (signed, with a timeout) and records the
 * attempt. Delivered only on HTTP 200 with body `ok`; otherwise retried with backoff until the
 * window closes. Returns what happened, for logging.
 */
export function makeDispatchDue(deps: DispatchDueDeps) {
  // A claim outlives the slowest possible attempt, so nobody else sends it while in flight.
  const leaseMs = deps.timeoutMs + 5_000;

  async function attempt({
    delivery,
    signingSecret,
    previousSigningSecret,
  }: ClaimedDelivery): Promise<AttemptSummary> {
    const attemptedAt = deps.clock.now();
    const outcome = await deps.http.post({
      url: delivery.url,
      headers: {
        'content-type': 'application/json',
        ...webhookHeaders({
          id: delivery.eventId,
          body: delivery.payload,
          at: attemptedAt,
          secret: signingSecret.reveal(),
          ...(previousSigningSecret ? { previousSecret: previousSigningSecret.reveal() } : {}),
        }),
      },
      body: delivery.payload,
      timeoutMs: deps.timeoutMs,
    });
    const finishedAt = deps.clock.now();
    const statusCode = outcome.kind === 'response' ? outcome.statusCode : null;
    const body = outcome.kind === 'response' ? outcome.body : '';
    const acknowledged =
      outcome.kind === 'response' && isAcknowledged(outcome.statusCode, outcome.body);
    const error =
      outcome.kind === 'error'
        ? outcome.error
        : acknowledged
          ? ''
          : outcome.statusCode === 200
            ? 'answer was not "ok"'
            : `HTTP ${outcome.statusCode}`;
    const attempts = delivery.attempts + 1;
    const next = acknowledged
      ? { status: 'delivered' as const, nextAttemptAt: finishedAt }
      : afterFailure(
          delivery.expiresAt,
          finishedAt,
          backoffDelayMs(attempts, deps.backoff, deps.random),
        );
    await deps.deliveries.recordAttempt({
      deliveryId: delivery.id,
      attemptedAt,
      statusCode,
      error,
      durationMs: outcome.durationMs,
      responseSnippet: body.slice(0, RESPONSE_SNIPPET_CHARS),
      status: next.status,
      nextAttemptAt: next.nextAttemptAt,
    });
    return {
      deliveryId: delivery.id,
      paymentId: delivery.paymentId,
      attempt: attempts,
      statusCode,
      error,
      status: next.status,
    };
  }

  return async (): Promise<AttemptSummary[]> => {
    const now = deps.clock.now();
    const claimed = await deps.deliveries.claimDue(
      now,
      deps.batchSize,
      new Date(now.getTime() + leaseMs),
    );
    return Promise.all(claimed.map(attempt));
  };
}
