import {
  contextFromHeaders,
  inSpan,
  SpanKind,
  SpanStatusCode,
  traceHeaders,
} from '@tolem/observability';

import {
  type AttemptDecision,
  decideAttempt,
  RESPONSE_SNIPPET_CHARS,
  type RetryPolicy,
} from '../domain/delivery';
import type {
  AttemptEffects,
  Clock,
  DispatchRepository,
  DispatchTarget,
  MerchantHttp,
} from '../domain/ports';
import { webhookHeaders } from '../domain/signature';

export interface DispatcherDeps {
  dispatch: DispatchRepository;
  http: MerchantHttp;
  clock: Clock;
  random: () => number;
  retry: RetryPolicy;
  /** Per request, the whole exchange including the body. */
  timeoutMs: number;
  /** An endpoint every attempt of which failed for this long is disabled (3 days). */
  disableAfterMs: number;
}

export interface AttemptSummary {
  deliveryId: string;
  endpointId: string;
  paymentId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  decision: AttemptDecision;
  effects: AttemptEffects;
}

const CONTENT_TYPES = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
} as const;

/**
 * Sending one delivery, and claiming the next ones. A delivery goes to its endpoint's URL as it
 * is at claim time, signed (Standard Webhooks) with its current secret (and the previous one
 * during a rotation overlap); the endpoint's ack mode says whether the answer stops the retries.
 */
export function makeDispatcher(deps: DispatcherDeps) {
  // A lease outlives the slowest possible attempt (and recording it), so no other dispatcher
  // sends the delivery while it is in flight; after a crash it simply runs out.
  const leaseMs = deps.timeoutMs + 10_000;

  /** Every endpoint's due deliveries, or only those of `endpointIds`. */
  async function claim(limit: number, endpointIds?: readonly string[]): Promise<DispatchTarget[]> {
    const now = deps.clock.now();
    return deps.dispatch.claim(now, limit, new Date(now.getTime() + leaseMs), endpointIds);
  }

  async function attempt(target: DispatchTarget): Promise<AttemptSummary> {
    const { delivery, endpoint } = target;
    const attemptedAt = deps.clock.now();
    // A span of the payment's trace (the context stored with the delivery), whichever attempt
    // this is; the merchant gets its traceparent too. Ids and the status only: no URL (it may
    // hold the merchant's credentials), no body, no header.
    const outcome = await inSpan(
      'webhook delivery',
      {
        kind: SpanKind.CLIENT,
        ...(delivery.traceContext ? { parent: contextFromHeaders(delivery.traceContext) } : {}),
        attributes: {
          'http.request.method': 'POST',
          'tolem.delivery_id': delivery.id,
          'tolem.endpoint_id': endpoint.id,
          'tolem.event_id': delivery.eventId,
          'tolem.event_type': delivery.eventType,
          'tolem.payment_id': delivery.paymentId,
          'tolem.merchant_id': delivery.merchantId,
          'tolem.attempt': delivery.attempts + 1,
        },
      },
      async (span) => {
        const result = await deps.http.post({
          url: endpoint.url,
          headers: {
            'content-type': CONTENT_TYPES[endpoint.format],
            ...traceHeaders(),
            ...webhookHeaders({
              id: delivery.eventId,
              body: delivery.payload,
              at: attemptedAt,
              secret: endpoint.signingSecret.reveal(),
              ...(endpoint.previousSigningSecret
                ? { previousSecret: endpoint.previousSigningSecret.reveal() }
                : {}),
            }),
          },
          body: delivery.payload,
          timeoutMs: deps.timeoutMs,
        });
        if (result.kind === 'response') {
          span.setAttribute('http.response.status_code', result.statusCode);
          if (result.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        } else {
          span.setAttribute('error.type', result.kind);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return result;
      },
    );
    const finishedAt = deps.clock.now();
    const decision = decideAttempt({
      ack: endpoint.ack,
      orderId: target.orderId,
      outcome,
      previousAttempts: delivery.attempts,
      firstAttemptAt: target.firstAttemptAt ?? attemptedAt,
      finishedAt,
      policy: deps.retry,
      random: deps.random,
    });
    const statusCode = outcome.kind === 'response' ? outcome.statusCode : null;
    const effects = await deps.dispatch.recordAttempt({
      target,
      attemptedAt,
      statusCode,
      durationMs: outcome.durationMs,
      responseSnippet:
        outcome.kind === 'response' ? outcome.body.slice(0, RESPONSE_SNIPPET_CHARS) : '',
      decision,
      disableIfFailingSince: new Date(attemptedAt.getTime() - deps.disableAfterMs),
    });
    return {
      deliveryId: delivery.id,
      endpointId: endpoint.id,
      paymentId: delivery.paymentId,
      attempt: delivery.attempts + 1,
      statusCode,
      durationMs: outcome.durationMs,
      decision,
      effects,
    };
  }

  /** Ends the deliveries that waited on a disabled endpoint past their window. */
  const expireWaiting = () => deps.dispatch.expireWaiting(deps.clock.now(), deps.retry.windowMs);

  return { claim, attempt, expireWaiting };
}

export type Dispatcher = ReturnType<typeof makeDispatcher>;
