import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
/** An opaque captured trace context (the span a piece of work belongs to). */
export type TraceContext = Context;

export interface TracingOptions {
  /** The service name spans carry unless OTEL_SERVICE_NAME says otherwise. */
  service: string;
  /**
   * Tests: export here, span by span (SimpleSpanProcessor), whatever the environment says.
   * Without it the exporter comes from the OTEL_* variables.
   */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  /** Whether spans are recorded and exported (false: the OpenTelemetry API stays a no-op). */
  enabled: boolean;
  /** Exports what is buffered and stops; call on shutdown. */
  shutdown(): Promise<void>;
}

/** The exporter the standard variables ask for; undefined when tracing should stay off. */
function exporterFromEnv(env: NodeJS.ProcessEnv): SpanExporter | undefined {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const names = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  // Off unless asked for: an exporter named, or an OTLP endpoint given. Unlike the SDK's own
  // default (otlp to localhost:4318), a process nobody configured records and sends nothing.
  if (names.includes('none')) return undefined;
  if (names.includes('console')) return new ConsoleSpanExporter();
  if (names.includes('otlp') || (names.length === 0 && endpoint)) {
    const protocol =
      env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'];
    // This exporter speaks OTLP/HTTP with JSON bodies, which every collector's :4318 accepts
    // (http/protobuf included); a gRPC endpoint would silently receive nothing.
    if (protocol === 'grpc') {
      throw new Error('OTEL_EXPORTER_OTLP_PROTOCOL=grpc: Tolem exports OTLP over HTTP (http/json)');
    }
    // The exporter reads its endpoint, headers and timeout from the OTEL_* variables itself.
    return new OTLPTraceExporter();
  }
  if (names.length > 0) throw new Error(`OTEL_TRACES_EXPORTER=${names.join(',')}: unsupported`);
  return undefined;
}

let active: NodeTracerProvider | undefined;

/**
 * Starts OpenTelemetry tracing for this process when the standard OTEL_* variables ask for it
 * (OTEL_TRACES_EXPORTER=otlp|console, or OTEL_EXPORTER_OTLP[_TRACES]_ENDPOINT; sampling by
 * OTEL_TRACES_SAMPLER[_ARG]). With none of them nothing is registered: every span below is the
 * API's non-recording no-op and no trace context is written to messages or requests.
 */
export function startTracing(options: TracingOptions): Tracing {
  // The standard OTEL_* variables, which the SDK and its exporter read from the environment
  // themselves too (endpoint, headers, sampler): no app config repeats them.
  // eslint-disable-next-line n/no-process-env
  const env = options.env ?? process.env;
  const exporter = options.exporter ?? exporterFromEnv(env);
  if (!exporter) return { enabled: false, shutdown: async () => undefined };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? options.service,
    }),
    spanProcessors: [
      options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter),
    ],
  });
  // W3C trace context only: baggage would let any caller put arbitrary data on every hop.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  active = provider;
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
      if (active === provider) {
        active = undefined;
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

export function tracer(): Tracer {
  return trace.getTracer('tolem');
}

/** The trace and span ids of the span being served, for log lines. */
export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId } : undefined;
}

/** The active span as a link, for work that continues another trace; none without a span. */
export function activeSpanLinks(): Link[] {
  const sc = trace.getSpanContext(context.active());
  return sc && isSpanContextValid(sc) ? [{ context: sc }] : [];
}

/** The active context, to resume later (a batched write, a stored delivery). */
export function captureTraceContext(): TraceContext {
  return context.active();
}

/** Runs fn(...args) inside a captured context (none: the current one). */
export function withTraceContext<A extends unknown[], R>(
  ctx: TraceContext | undefined,
  fn: (...args: A) => R,
  ...args: A
): R {
  return ctx ? context.with(ctx, fn, undefined, ...args) : fn(...args);
}

/** W3C headers (`traceparent`, `tracestate`) of a context (default: the active one); {} if none. */
export function traceHeaders(ctx: TraceContext = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context a W3C carrier names (its `traceparent`), as the parent of new spans. */
export function contextFromHeaders(
  carrier: Record<string, string | string[] | undefined>,
): TraceContext {
  return propagation.extract(ROOT_CONTEXT, carrier, {
    keys: (c) => Object.keys(c),
    get: (c, key) => {
      const value = c[key];
      return Array.isArray(value) ? value[0] : value;
    },
  });
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; default the active one. */
  parent?: TraceContext;
  links?: Link[];
}

/** Starts a span (not made active); end it yourself. */
export function startSpan(name: string, options: SpanOptions = {}): Span {
  return tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: options.attributes,
      links: options.links,
    },
    options.parent ?? context.active(),
  );
}

/** The context with this span as the active one (for context.with / withTraceContext). */
export function contextWithSpan(span: Span, parent: TraceContext = context.active()): TraceContext {
  return trace.setSpan(parent, span);
}

/** Adds attributes (ids, never data) to the span being served, if any. */
export function annotateSpan(attributes: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attributes);
}

/** Marks a span failed with an error's class and message (never its fields: they may hold data). */
export function recordSpanError(span: Span, err: unknown): void {
  const name = err instanceof Error ? err.name : 'Error';
  span.setStatus({ code: SpanStatusCode.ERROR, message: name });
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') span.setAttribute('error.type', code);
  else span.setAttribute('error.type', name);
}

/** Runs fn inside a new active span, ended (and marked failed on a throw) when fn settles. */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = startSpan(name, options);
  try {
    return await context.with(trace.setSpan(options.parent ?? context.active(), span), () =>
      fn(span),
    );
  } catch (err) {
    recordSpanError(span, err);
    throw err;
  } finally {
    span.end();
  }
}
