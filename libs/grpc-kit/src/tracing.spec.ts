import { Writable } from 'node:stream';

import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  GetPaymentFactResponse,
  ReportingServiceClient,
  ReportingServiceService,
} from '@tolem/contracts/reporting';
import { DomainError } from '@tolem/errors';
import {
  createLogger,
  currentLogContext,
  inSpan,
  startTracing,
  type Tracing,
} from '@tolem/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createClient,
  createGrpcServer,
  type GrpcServer,
  type Handlers,
  type PromiseClient,
} from './index';

const unused = () => Promise.reject(new Error('unused'));

describe('grpc-kit tracing', () => {
  const exporter = new InMemorySpanExporter();
  const lines: Record<string, unknown>[] = [];
  let tracing: Tracing;
  let server: GrpcServer;
  let client: PromiseClient<ReportingServiceClient>;
  /** What the handler saw of the caller: its request id and the trace it ran in. */
  const seen: { requestId?: string; traceparent?: unknown }[] = [];

  beforeAll(async () => {
    tracing = startTracing({ service: 'grpc-kit-test', exporter });
    const log = createLogger({
      service: 'test',
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    });
    server = createGrpcServer({ log });
    // Only GetPaymentFact is called; every other method refuses.
    const others = Object.fromEntries(
      Object.keys(ReportingServiceService).map((name) => [name, unused]),
    ) as Record<string, typeof unused>;
    server.addService(ReportingServiceService, {
      ...(others as unknown as Handlers<typeof ReportingServiceService>),
      async getPaymentFact(req, ctx) {
        seen.push({
          requestId: currentLogContext()?.requestId,
          traceparent: ctx.metadata.get('traceparent')[0],
        });
        ctx.log.info({ paymentId: req.paymentId }, 'served');
        if (req.paymentId === 'missing') {
          throw new DomainError('REPORTING_FACT_NOT_FOUND', 'not_found', 'no such payment');
        }
        return GetPaymentFactResponse.fromPartial({ fact: { paymentId: req.paymentId } });
      },
    });
    const port = await server.listen(0);
    client = createClient(ReportingServiceClient, `127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client?.close();
    await server?.drain(1_000);
    await tracing?.shutdown();
  });

  it('makes the server span a child of the client span, the request id travelling beside it', async () => {
    exporter.reset();
    lines.length = 0;
    seen.length = 0;
    await inSpan('caller', {}, () =>
      client.getPaymentFact({ paymentId: 'pay_1' }, { requestId: 'req_abc' }),
    );
    const spans = exporter.getFinishedSpans();
    const caller = spans.find((s) => s.name === 'caller');
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT);
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(caller && clientSpan && serverSpan).toBeTruthy();
    if (!caller || !clientSpan || !serverSpan) return;
    const traceId = caller.spanContext().traceId;
    expect(clientSpan.name).toBe('tolem.reporting.v1.ReportingService/GetPaymentFact');
    expect(clientSpan.spanContext().traceId).toBe(traceId);
    expect(clientSpan.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'tolem.reporting.v1.ReportingService',
      'rpc.method': 'GetPaymentFact',
      'rpc.grpc.status_code': 0,
      'tolem.payment_id': 'pay_1',
    });
    // The wire carried W3C trace context naming the client span.
    expect(seen[0]?.traceparent).toBe(`00-${traceId}-${clientSpan.spanContext().spanId}-01`);
    expect(seen[0]?.requestId).toBe('req_abc');
    // The handler's log line names the request, the trace and the server span.
    const served = lines.find((l) => l['msg'] === 'served');
    expect(served).toMatchObject({
      requestId: 'req_abc',
      traceId,
      spanId: serverSpan.spanContext().spanId,
    });
  });

  it('records the status of a refused call; only the client sees it as failed', async () => {
    exporter.reset();
    await expect(client.getPaymentFact({ paymentId: 'missing' })).rejects.toThrow();
    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT);
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(clientSpan?.attributes['rpc.grpc.status_code']).toBe(5);
    expect(clientSpan?.status.code).toBe(2);
    expect(serverSpan?.attributes['rpc.grpc.status_code']).toBe(5);
    expect(serverSpan?.status.code).toBe(0);
    // A call made outside any span starts a trace of its own.
    expect(clientSpan?.parentSpanContext).toBeUndefined();
    expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
  });
});
