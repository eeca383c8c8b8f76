import { once } from 'node:events';

import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  status as grpcStatus,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { FILE_DESCRIPTOR_SET_BASE64 } from '@tolem/contracts';
import { unstorableValue, unstorableValueError } from '@tolem/errors';
import { counter, gauge, histogram, metricsRegistry } from '@tolem/metrics';
import { type LogContext, type Logger, runWithLogContext } from '@tolem/observability';
import { HealthImplementation } from 'grpc-health-check';
import type { Registry } from 'prom-client';

import { toWireError } from './status';
import { currentGrpcTransport, type GrpcTransport, serverCredentialsOf } from './tls';
import { traceServerCall } from './tracing';

/** What a handler sees besides its request. */
export interface CallContext {
  metadata: Metadata;
  requestId: string;
  log: Logger;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
}

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
export type StreamHandler<Req, Res> = (request: Req, ctx: CallContext) => AsyncIterable<Res>;

type RequestOf<M> = M extends { requestDeserialize: (buffer: Buffer) => infer R } ? R : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

/** Handlers for a ts-proto service definition: plain async functions, never grpc-js callbacks. */
export type Handlers<S> = {
  [K in keyof S]: S[K] extends { responseStream: true }
    ? StreamHandler<RequestOf<S[K]>, ResponseOf<S[K]>>
    : UnaryHandler<RequestOf<S[K]>, ResponseOf<S[K]>>;
};

export interface GrpcServer {
  addService<S extends ServiceDefinition>(definition: S, handlers: Handlers<S>): void;
  /** Binds 127.0.0.1 or host:port and returns the bound port (0 picks a free one). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Readiness ("" and every added service in grpc.health.v1) is SERVING only while listening, not
   * draining, and every condition set here is true; e.g. `setReady('kafka-consumer', false)` while
   * the service's consumer is not consuming. Liveness (LIVENESS_SERVICE) ignores conditions.
   */
  setReady(condition: string, ready: boolean): void;
  /**
   * A named part's own status in grpc.health.v1 (e.g. `kafka-consumer`), for operators and tests,
   * outside readiness: a pod whose consumer waits for the broker still serves its API, so a Kafka
   * outage delays events but does not take the service out of its Service's endpoints.
   */
  reportStatus(name: string, serving: boolean): void;
  /** Reports NOT_SERVING, stops taking calls and waits for in-flight ones (DRAIN_TIMEOUT_MS). */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * The grpc.health.v1 service name of liveness: SERVING while the process listens, whatever its
 * dependencies do. Kubernetes' livenessProbe asks for it, so a broker outage takes a pod out of
 * rotation (readiness, service "") and never gets it restarted.
 */
export const LIVENESS_SERVICE = 'liveness';

export interface GrpcServerOptions {
  log: Logger;
  /** Fully qualified service names reported by the health service. */
  maxReceiveMessageBytes?: number;
  /** Where the call metrics go (default: the process's registry). */
  metrics?: Registry;
  /** TLS and caller checks (default: the process's, see useGrpcTransport). */
  transport?: GrpcTransport;
  /** See DEFAULT_MAX_CONNECTION_AGE_MS. */
  maxConnectionAgeMs?: number;
}

/**
 * A client keeps one HTTP/2 connection to a Service's address for as long as it lives, so replicas
 * an autoscaler adds would never get calls from clients already connected. After this age (±10%)
 * the server asks the client to reconnect (GOAWAY): new calls go over a new connection, which the
 * Service may send to another replica, while the calls and streams in flight finish on the old one
 * (no grace limit: a long export or watch is never cut).
 */
export const DEFAULT_MAX_CONNECTION_AGE_MS = 5 * 60_000;

/**
 * How long a drain waits for calls in flight before cancelling them: the longest deadline a handler
 * gives its own calls (a recurring card charge waits 30 s for the provider), so a rollout does not
 * cut a charge it could have let finish.
 */
export const DRAIN_TIMEOUT_MS = 30_000;

/** The gRPC status name of a code (`OK`, `NOT_FOUND`, …): a label Prometheus users recognise. */
export function grpcCodeName(code: number): string {
  return grpcStatus[code] ?? String(code);
}

function serverMetrics(registry: Registry) {
  return {
    handled: counter(
      'tolem_grpc_server_handled_total',
      'gRPC calls answered by this server, by method and gRPC status code.',
      ['method', 'code'],
      registry,
    ),
    duration: histogram(
      'tolem_grpc_server_handling_seconds',
      'Time from a call arriving to its answer (a stream: to its end), by method and code.',
      ['method', 'code'],
      registry,
    ),
    streams: gauge(
      'tolem_grpc_server_streams_in_flight',
      'Server streams open right now (exports, subscriptions), by method.',
      ['method'],
      registry,
    ),
  };
}

function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('empty service definition');
  return first.path.split('/')[1] ?? '';
}

/** A request's own merchant and payment ids, when its message has them at the top. */
function logContextOf(requestId: string, request: unknown): LogContext {
  const context: LogContext = { requestId };
  if (typeof request === 'object' && request !== null) {
    const { merchantId, paymentId } = request as { merchantId?: unknown; paymentId?: unknown };
    if (typeof merchantId === 'string' && merchantId !== '') context.merchantId = merchantId;
    if (typeof paymentId === 'string' && paymentId !== '') context.paymentId = paymentId;
  }
  return context;
}

/** A message field as the proto names it (ts-proto decodes `merchant_id` as `merchantId`). */
const protoFieldName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Runs a handler only on a request a database can hold: protobuf strings may contain NUL and a
 * Timestamp may be far outside any real time, and PostgreSQL takes neither, so without this a
 * peer's bad input failed in a database (or in toISOString) as INTERNAL.
 */
function guarded<R>(request: unknown, run: () => R): R {
  const found = unstorableValue(request, '', protoFieldName);
  if (found) throw unstorableValueError(found);
  return run();
}

function requestIdOf(metadata: Metadata): string {
  const value = metadata.get('x-request-id')[0];
  return typeof value === 'string' && value.length > 0 && value.length <= 128
    ? value
    : `req_${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * A plaintext server of grpc.health.v1 alone (the same statuses as the main port), for
 * Kubernetes' gRPC probes, which cannot present a certificate. It answers health and nothing else.
 */
function listenHealthOnly(
  health: HealthImplementation,
  host: string,
  port: number,
): Promise<Server> {
  const server = new Server();
  health.addToServer(server);
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(server),
    );
  });
}

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 8 * 1024 * 1024,
    'grpc.max_connection_age_ms': options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  const descriptors = loadFileDescriptorSetFromBuffer(
    Buffer.from(FILE_DESCRIPTOR_SET_BASE64, 'base64'),
  );
  new ReflectionService(descriptors).addToServer(server);
  const serviceNames: string[] = [];
  const log = options.log;
  const notReady = new Set<string>();
  const metrics = serverMetrics(options.metrics ?? metricsRegistry);
  const observe = (method: string, code: number, started: bigint) => {
    const labels = { method, code: grpcCodeName(code) };
    metrics.handled.inc(labels);
    metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  };
  let listening = false;
  let draining = false;
  let healthServer: Server | undefined;
  const publishReadiness = () => {
    const status = listening && !draining && notReady.size === 0 ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...serviceNames]) health.setStatus(name, status);
  };

  function context(
    call: {
      metadata: Metadata;
      cancelled: boolean;
      on(ev: 'cancelled', cb: () => void): unknown;
    },
    answered: { done: boolean } = { done: false },
  ): CallContext {
    const controller = new AbortController();
    // grpc-js reports 'cancelled' when the stream closes, also after the answer went out;
    // aborting then would only build a DOMException (with its stack) per call for nobody.
    call.on('cancelled', () => {
      if (!answered.done) controller.abort();
    });
    const requestId = requestIdOf(call.metadata);
    return {
      metadata: call.metadata,
      requestId,
      // The request id (and the request's merchant and payment) come with every line from the
      // call's log context (runWithLogContext), not from a child's bindings.
      log,
      signal: controller.signal,
    };
  }

  function wrapUnary(
    path: string,
    handler: UnaryHandler<unknown, unknown>,
  ): handleUnaryCall<unknown, unknown> {
    return (call: ServerUnaryCall<unknown, unknown>, callback) => {
      const answered = { done: false };
      const ctx = context(call, answered);
      const started = process.hrtime.bigint();
      const span = traceServerCall(path, call.metadata, call.request);
      void span.run(runWithLogContext, logContextOf(ctx.requestId, call.request), () =>
        new Promise((resolve) =>
          resolve(guarded(call.request, () => handler(call.request, ctx))),
        ).then(
          (response) => {
            answered.done = true;
            observe(path, 0, started);
            span.end(0);
            if (log.isLevelEnabled('debug')) {
              ctx.log.debug(
                { method: path, ms: Number(process.hrtime.bigint() - started) / 1e6 },
                'grpc ok',
              );
            }
            callback(null, response);
          },
          (err: unknown) => {
            answered.done = true;
            const wire = toWireError(err);
            observe(path, wire.code, started);
            span.end(wire.code);
            const logged = {
              method: path,
              grpcCode: wire.code,
              errorCode: wire.metadata.get('x-error-code')[0],
            };
            if (wire.code === 13) ctx.log.error({ ...logged, err }, 'grpc handler failed');
            else ctx.log.info(logged, 'grpc call refused');
            callback({ code: wire.code, details: wire.details, metadata: wire.metadata }, null);
          },
        ),
      );
    };
  }

  function wrapStream(
    path: string,
    handler: StreamHandler<unknown, unknown>,
  ): handleServerStreamingCall<unknown, unknown> {
    return (call: ServerWritableStream<unknown, unknown>) => {
      const ctx = context(call);
      const started = process.hrtime.bigint();
      metrics.streams.inc({ method: path });
      const span = traceServerCall(path, call.metadata, call.request);
      void span.run(runWithLogContext, logContextOf(ctx.requestId, call.request), async () => {
        let code = 0;
        try {
          for await (const item of guarded(call.request, () => handler(call.request, ctx))) {
            if (ctx.signal.aborted) break;
            // Backpressure: the handler is asked for its next item only once the client took this
            // one, so a long stream (an export) is never buffered whole in memory.
            // A client that stops reading and then cancels never drains: the abort ends the wait,
            // so the handler's iterator is closed and its cleanup (subscriptions) runs.
            if (!call.write(item)) await once(call, 'drain', { signal: ctx.signal });
          }
          call.end();
          if (ctx.signal.aborted) code = grpcStatus.CANCELLED;
        } catch (err) {
          if (ctx.signal.aborted) {
            code = grpcStatus.CANCELLED;
            return;
          }
          const wire = toWireError(err);
          code = wire.code;
          if (wire.code === 13) ctx.log.error({ method: path, err }, 'grpc stream failed');
          call.emit('error', { code: wire.code, details: wire.details, metadata: wire.metadata });
        } finally {
          metrics.streams.dec({ method: path });
          observe(path, code, started);
          span.end(code);
        }
      });
    };
  }

  return {
    addService(definition, handlers) {
      const implementation: UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(definition)) {
        const handler = (handlers as Record<string, unknown>)[name];
        if (typeof handler !== 'function') throw new Error(`no handler for ${method.path}`);
        implementation[name] = method.responseStream
          ? wrapStream(method.path, handler as StreamHandler<unknown, unknown>)
          : wrapUnary(method.path, handler as UnaryHandler<unknown, unknown>);
      }
      server.addService(definition, implementation);
      serviceNames.push(serviceNameOf(definition));
    },
    async listen(port, host = '127.0.0.1') {
      const transport = options.transport ?? currentGrpcTransport();
      if (transport.healthPort !== undefined) {
        healthServer = await listenHealthOnly(health, host, transport.healthPort);
      }
      return new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, serverCredentialsOf(transport, log), (err, bound) => {
          if (err) return reject(err);
          listening = true;
          health.setStatus(LIVENESS_SERVICE, 'SERVING');
          publishReadiness();
          resolve(bound);
        });
      });
    },
    reportStatus(name, serving) {
      if (name === '' || name === LIVENESS_SERVICE || serviceNames.includes(name))
        throw new Error(`${JSON.stringify(name)} is a readiness or liveness service, not a part`);
      health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
    },
    setReady(condition, ready) {
      const changed = ready ? notReady.delete(condition) : !notReady.has(condition);
      if (!ready) notReady.add(condition);
      if (changed) {
        log.info(
          { condition, ready },
          ready ? 'readiness condition met' : 'readiness condition unmet',
        );
        publishReadiness();
      }
    },
    drain(timeoutMs = DRAIN_TIMEOUT_MS) {
      draining = true;
      publishReadiness();
      return new Promise((resolve) => {
        // The health port answers NOT_SERVING until the main port has drained.
        const done = () => {
          healthServer?.forceShutdown();
          resolve();
        };
        const timer = setTimeout(() => {
          server.forceShutdown();
          done();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      });
    },
  };
}
