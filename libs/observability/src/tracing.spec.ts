import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { traceFastify } from './fastify';
import { currentTraceIds, inSpan, startTracing, traceHeaders, type Tracing } from './tracing';

describe('startTracing from the OTEL_* variables', () => {
  it('stays off, recording and propagating nothing, when nothing asks for it', async () => {
    for (const env of [
      {},
      { OTEL_SERVICE_NAME: 'x' },
      { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' },
    ]) {
      const tracing = startTracing({ service: 'test', env });
      expect(tracing.enabled).toBe(false);
      await inSpan('work', {}, async () => {
        expect(currentTraceIds()).toBeUndefined();
        expect(traceHeaders()).toEqual({});
      });
      await tracing.shutdown();
    }
  });

  it('exports over OTLP/HTTP when an endpoint or the otlp exporter is named', async () => {
    for (const env of [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
      { OTEL_TRACES_EXPORTER: 'otlp' },
      { OTEL_TRACES_EXPORTER: 'console' },
    ]) {
      const tracing = startTracing({ service: 'test', env });
      expect(tracing.enabled).toBe(true);
      await tracing.shutdown();
    }
  });

  it('refuses settings it cannot honour rather than export nowhere', () => {
    expect(() =>
      startTracing({
        service: 'test',
        env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL=grpc/);
    expect(() =>
      startTracing({ service: 'test', env: { OTEL_TRACES_EXPORTER: 'zipkin' } }),
    ).toThrow(/zipkin/);
  });
});

describe('traceFastify', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  const app = Fastify();
  /** The trace and span the handler ran in. */
  let inHandler: { traceId: string; spanId: string } | undefined;

  beforeAll(async () => {
    tracing = startTracing({ service: 'test', exporter });
    traceFastify(app);
    app.post<{ Params: { id: string } }>('/v1/payments/:id/refunds', async () => {
      // After the body was parsed: the handler still runs inside the request's span.
      inHandler = currentTraceIds();
      await inSpan('inner', {}, async () => undefined);
      return { ok: true };
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await tracing.shutdown();
  });

  it('a server span per request, named by its route, continuing the caller’s traceparent', async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({
      method: 'POST',
      url: '/v1/payments/pay_1/refunds?api_key=sk_live_secret',
      headers: {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        authorization: 'Bearer sk_live_secret',
      },
      payload: { card: '4111111111111111', phone: '+996555123456' },
    });
    expect(res.statusCode).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const inner = spans.find((s) => s.name === 'inner');
    expect(server?.name).toBe('POST /v1/payments/:id/refunds');
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/payments/:id/refunds',
      'http.response.status_code': 200,
      'url.path': '/v1/payments/pay_1/refunds',
    });
    expect(inHandler).toEqual({ traceId, spanId: server?.spanContext().spanId });
    expect(inner?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    // Nothing of the credentials, card or phone reaches the spans.
    const recorded = JSON.stringify(spans.map((s) => s.attributes));
    for (const leaked of ['sk_live_secret', '4111111111111111', '996555123456']) {
      expect(recorded).not.toContain(leaked);
    }
  });

  it('a request without traceparent starts a trace; an unmatched one is still a span', async () => {
    exporter.reset();
    const res = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.attributes['http.response.status_code']).toBe(404);
  });
});
