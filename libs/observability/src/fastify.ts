import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import {
  contextFromHeaders,
  contextWithSpan,
  SpanKind,
  SpanStatusCode,
  startSpan,
  type TraceContext,
  withTraceContext,
} from './tracing';

/**
 * A server span per HTTP request, named by its route template (`POST /v1/payments`, never the raw
 * path), the child of the caller's `traceparent` when it sends one. The request's handling runs
 * inside it, so the gRPC calls it makes are its children. Only the method, route, path and
 * status are recorded: no query string, header or body (they carry keys, card data and phones).
 * Call it where instrumentFastify is called, before the app listens.
 */
export function traceFastify(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, { span: Span; ctx: TraceContext }>();
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = contextFromHeaders(request.headers);
    const span = startSpan(request.method, {
      kind: SpanKind.SERVER,
      parent,
      attributes: {
        'http.request.method': request.method,
        'url.path': request.url.split('?')[0] ?? '',
        'tolem.request_id': request.id,
      },
    });
    const ctx = contextWithSpan(span, parent);
    spans.set(request, { span, ctx });
    withTraceContext(ctx, done);
  });
  // Body parsing resumes from the socket's events, outside the context entered above: enter it
  // again right before the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    withTraceContext(spans.get(request)?.ctx, done);
  });
  const end = (request: FastifyRequest, status: number | undefined): void => {
    const entry = spans.get(request);
    if (!entry) return;
    spans.delete(request);
    const route = request.routeOptions.url;
    if (route) {
      entry.span.updateName(`${request.method} ${route}`);
      entry.span.setAttribute('http.route', route);
    }
    if (status === undefined) {
      entry.span.setAttribute('error.type', 'aborted');
      entry.span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      entry.span.setAttribute('http.response.status_code', status);
      if (status >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    entry.span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}
