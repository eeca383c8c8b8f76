import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Secret } from '@tolem/config';
import { startTracing, type Tracing } from '@tolem/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Delivery } from '../domain/delivery';
import type { DispatchTarget, HttpOutcome } from '../domain/ports';
import { makeDispatcher } from './dispatch-due';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CONSUMER_SPAN = '00f067aa0ba902b7';

describe('a delivery attempt in the trace of the event that made it', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(() => {
    tracing = startTracing({ service: 'notifier-test', exporter });
  });
  afterAll(() => tracing.shutdown());

  it('every attempt, retries included, is a child of the stored context and sends its traceparent', async () => {
    exporter.reset();
    const sent: Record<string, string>[] = [];
    const answers: HttpOutcome[] = [
      { kind: 'response', statusCode: 503, body: '', headers: {}, durationMs: 1 },
      { kind: 'error', error: 'timeout', durationMs: 1 },
      { kind: 'response', statusCode: 200, body: 'ok', headers: {}, durationMs: 1 },
    ];
    const dispatcher = makeDispatcher({
      dispatch: {
        claim: async () => [],
        recordAttempt: async () => ({ exhausted: false }),
        expireWaiting: async () => 0,
      },
      http: {
        async post(request) {
          sent.push(request.headers);
          return answers.shift() ?? { kind: 'error', error: 'none left', durationMs: 0 };
        },
      },
      clock: { now: () => new Date('2026-12-07T00:00:00Z') },
      random: () => 0.5,
      retry: {
        windowMs: 3_600_000,
        backoff: { minMs: 1_000, maxMs: 60_000 },
        maxRetryAfterMs: 60_000,
      },
      timeoutMs: 1_000,
      disableAfterMs: 3 * 86_400_000,
    });
    const delivery: Delivery = {
      id: 'dlv_1',
      eventId: 'evt_1',
      eventType: 'payment.succeeded',
      paymentId: 'pay_1',
      merchantId: 'mer_1',
      endpointId: 'we_1',
      sequence: 1n,
      livemode: false,
      url: 'https://user:pass@shop.example/hook?token=abc',
      payload: '{"card":"4111111111111111"}',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(),
      lastStatusCode: null,
      lastError: '',
      deliveredAt: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      createdAt: new Date(),
      traceContext: { traceparent: `00-${TRACE_ID}-${CONSUMER_SPAN}-01` },
    };
    const target = (attempts: number): DispatchTarget => ({
      delivery: { ...delivery, attempts },
      leasedUntil: new Date(Date.now() + 60_000),
      firstAttemptAt: null,
      orderId: '',
      endpoint: {
        id: 'we_1',
        url: delivery.url,
        format: 'json',
        ack: 'ANY_2XX',
        signingSecret: new Secret('whsec_c2VjcmV0c2VjcmV0c2VjcmV0'),
      },
    });
    for (const attempts of [0, 1, 2]) await dispatcher.attempt(target(attempts));

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(3);
    for (const [i, span] of spans.entries()) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.name).toBe('webhook delivery');
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toBe(CONSUMER_SPAN);
      expect(span.attributes['tolem.attempt']).toBe(i + 1);
      // The merchant's request names the attempt's own span.
      expect(sent[i]?.['traceparent']).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
      expect(sent[i]?.['webhook-signature']).toBeDefined();
    }
    expect(spans.map((s) => [s.status.code, s.attributes['http.response.status_code']])).toEqual([
      [2, 503],
      [2, undefined],
      [0, 200],
    ]);
    expect(spans[1]?.attributes['error.type']).toBe('error');
    // Neither the URL (credentials) nor the body goes on a span.
    const recorded = JSON.stringify(spans.map((s) => s.attributes));
    for (const leaked of ['pass', 'token=abc', '4111111111111111', 'whsec_']) {
      expect(recorded).not.toContain(leaked);
    }
  });
});
