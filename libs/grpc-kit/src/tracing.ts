import type { Metadata } from '@grpc/grpc-js';
import {
  contextFromHeaders,
  contextWithSpan,
  SpanKind,
  SpanStatusCode,
  startSpan,
  type TraceContext,
  traceHeaders,
  withTraceContext,
} from '@tolem/observability';

/** `tolem.ledger.v1.LedgerService/PostPayment` from the method's full path: the span's name. */
function rpcName(path: string): { name: string; service: string; method: string } {
  const name = path.startsWith('/') ? path.slice(1) : path;
  const slash = name.lastIndexOf('/');
  return {
    name,
    service: slash > 0 ? name.slice(0, slash) : '',
    method: slash > 0 ? name.slice(slash + 1) : name,
  };
}

function rpcAttributes(path: string) {
  const { service, method } = rpcName(path);
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}

/** A span for a call in progress: end it with the call's gRPC status code. */
export interface CallSpan {
  end(code: number): void;
}

/**
 * A client span for a call about to be made, its trace context written into the call's metadata
 * (`traceparent`, `tracestate`), so the server's span is its child. Only the method and the status
 * are recorded: messages carry card data and phone numbers.
 */
export function traceClientCall(path: string, metadata: Metadata): CallSpan {
  const span = startSpan(rpcName(path).name, {
    kind: SpanKind.CLIENT,
    attributes: rpcAttributes(path),
  });
  for (const [k, v] of Object.entries(traceHeaders(contextWithSpan(span)))) metadata.set(k, v);
  return {
    end(code) {
      span.setAttribute('rpc.grpc.status_code', code);
      // A client sees every non-OK status as its call failing.
      if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** Writes the active trace context into metadata (calls traced as a whole elsewhere: streams). */
export function propagateTraceContext(metadata: Metadata): void {
  for (const [k, v] of Object.entries(traceHeaders())) metadata.set(k, v);
}

/**
 * The request's own merchant and payment ids (when its message has them at the top), so a
 * payment's spans can be found by its id: ids only, never another field.
 */
function idAttributes(request: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof request === 'object' && request !== null) {
    const { merchantId, paymentId } = request as { merchantId?: unknown; paymentId?: unknown };
    if (typeof merchantId === 'string' && merchantId !== '') out['tolem.merchant_id'] = merchantId;
    if (typeof paymentId === 'string' && paymentId !== '') out['tolem.payment_id'] = paymentId;
  }
  return out;
}

/** A server span for a call received, child of the caller's span named in its metadata. */
export function traceServerCall(
  path: string,
  metadata: Metadata,
  request?: unknown,
): CallSpan & { run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R } {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = metadata.get(key)[0];
    if (typeof value === 'string') carrier[key] = value;
  }
  const parent = contextFromHeaders(carrier);
  const span = startSpan(rpcName(path).name, {
    kind: SpanKind.SERVER,
    attributes: { ...rpcAttributes(path), ...idAttributes(request) },
    parent,
  });
  const ctx: TraceContext = contextWithSpan(span, parent);
  return {
    run: (fn, ...args) => withTraceContext(ctx, fn, ...args),
    end(code) {
      span.setAttribute('rpc.grpc.status_code', code);
      // A server's span fails only on its own faults (OpenTelemetry's gRPC conventions): a
      // refused request (NOT_FOUND, INVALID_ARGUMENT…) is the caller's problem.
      if ([2, 4, 12, 13, 14, 15].includes(code)) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
