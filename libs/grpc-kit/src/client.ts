import {
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
  status as grpcStatus,
} from '@grpc/grpc-js';
import { counter, histogram, metricsRegistry } from '@tolem/metrics';
import { currentLogContext } from '@tolem/observability';
import type { Registry } from 'prom-client';

import { fromServiceError } from './status';
import { channelSetupOf, currentGrpcTransport, type GrpcTransport } from './tls';
import { propagateTraceContext, traceClientCall } from './tracing';

export interface CallOpts {
  /** Overrides the client's default deadline for this call. */
  deadlineMs?: number;
  requestId?: string;
  metadata?: Record<string, string>;
  /**
   * Server streams only: aborting cancels the call on the server at once, even while the caller
   * waits for the next message (an async generator's return() would wait for that message).
   */
  signal?: AbortSignal;
}

type UnaryOf<F> = F extends (
  request: infer Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: infer Res) => void,
) => ClientUnaryCall
  ? (request: Req, opts?: CallOpts) => Promise<Res>
  : never;

/** A ts-proto grpc-js client with promise methods that always carry a deadline. */
export type PromiseClient<C> = {
  [K in keyof C as UnaryOf<C[K]> extends never ? never : K]: UnaryOf<C[K]>;
} & { close(): void };

type ClientConstructor<C> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

export interface ClientFactoryOptions {
  /** Every call gets a deadline; there is no way to call without one. */
  defaultDeadlineMs?: number;
  /** Where the call metrics go (default: the process's registry). */
  metrics?: Registry;
  /** TLS and identity (default: the process's, see useGrpcTransport). */
  transport?: GrpcTransport;
}

/** The first method's path of a generated client: which service (and so which app) it calls. */
function firstPathOf(Ctor: unknown): string {
  const service = (Ctor as { service?: Record<string, { path?: string }> }).service ?? {};
  return Object.values(service)[0]?.path ?? '';
}

function clientMetrics(registry: Registry) {
  return {
    handled: counter(
      'tolem_grpc_client_handled_total',
      'gRPC calls made to peers, by method and the gRPC status code they ended with.',
      ['method', 'code'],
      registry,
    ),
    duration: histogram(
      'tolem_grpc_client_handling_seconds',
      'Time from a call to its answer as the caller saw it, by method and code.',
      ['method', 'code'],
      registry,
    ),
  };
}

/** The full path (`/tolem.ledger.v1.LedgerService/PostPayment`) of a generated client's method. */
function pathOf(Ctor: unknown, prop: string | symbol): string {
  const service = (Ctor as { service?: Record<string, { path?: string }> }).service;
  return service?.[String(prop)]?.path ?? String(prop);
}

/**
 * Wraps a generated client: unary methods return promises, get a deadline (default 5 s) and turn
 * gRPC errors back into DomainErrors carrying the server's stable code.
 */
export function createClient<C extends Client>(
  Ctor: ClientConstructor<C>,
  address: string,
  options: ClientFactoryOptions = {},
): PromiseClient<C> {
  const channel = channelSetupOf(options.transport ?? currentGrpcTransport(), firstPathOf(Ctor));
  const raw = new Ctor(address, channel.credentials, {
    ...channel.options,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.enable_retries': 1,
    // After a refused connect, grpc-js fails every call at once until its next attempt, and the
    // wait between attempts grows from 1 s toward 2 min: a peer that started (or restarted) late
    // stayed unreachable for seconds after it listened. Retrying the connection within 1 s keeps
    // that window short; calls to a peer that is really down still fail fast.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
  });
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 5_000;
  const metrics = clientMetrics(options.metrics ?? metricsRegistry);
  return new Proxy({} as PromiseClient<C>, {
    get(_target, prop) {
      if (prop === 'close') return () => raw.close();
      if (prop === 'then') return undefined;
      const method = (raw as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof method !== 'function') return undefined;
      return (request: unknown, opts: CallOpts = {}) =>
        new Promise((resolve, reject) => {
          const metadata = new Metadata();
          // A call made while serving a request carries that request's id to the next hop.
          const requestId = opts.requestId ?? currentLogContext()?.requestId;
          if (requestId) metadata.set('x-request-id', requestId);
          for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata.set(k, v);
          const deadline = new Date(Date.now() + (opts.deadlineMs ?? defaultDeadlineMs));
          const span = traceClientCall(pathOf(Ctor, prop), metadata);
          const started = process.hrtime.bigint();
          (method as (...args: unknown[]) => unknown).call(
            raw,
            request,
            metadata,
            { deadline },
            (err: ServiceError | null, response: unknown) => {
              const code = err ? err.code : grpcStatus.OK;
              const labels = { method: pathOf(Ctor, prop), code: grpcStatus[code] ?? String(code) };
              metrics.handled.inc(labels);
              metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
              span.end(code);
              if (err) reject(fromServiceError(err, String(prop)));
              else resolve(response);
            },
          );
        });
    },
  });
}

type StreamOf<F> = F extends (
  request: infer Req,
  metadata: Metadata,
  options?: Partial<CallOptions>,
) => ClientReadableStream<infer Res>
  ? (request: Req, opts?: CallOpts) => AsyncIterable<Res>
  : never;

/** The server-streaming methods of a ts-proto grpc-js client, as async iterables. */
export type StreamingClient<C> = {
  [K in keyof C as StreamOf<C[K]> extends never ? never : K]: StreamOf<C[K]>;
} & { close(): void };

/**
 * Wraps a generated client's server-streaming methods: each returns an async iterable of the
 * messages (read as the caller consumes them, so gRPC flow control reaches the server), with a
 * deadline for the whole stream (default 10 min) and gRPC errors turned back into DomainErrors.
 */
export function createStreamingClient<C extends Client>(
  Ctor: ClientConstructor<C>,
  address: string,
  options: ClientFactoryOptions = {},
): StreamingClient<C> {
  const channel = channelSetupOf(options.transport ?? currentGrpcTransport(), firstPathOf(Ctor));
  const raw = new Ctor(address, channel.credentials, {
    ...channel.options,
    'grpc.keepalive_time_ms': 30_000,
  });
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 600_000;
  return new Proxy({} as StreamingClient<C>, {
    get(_target, prop) {
      if (prop === 'close') return () => raw.close();
      if (prop === 'then') return undefined;
      const method = (raw as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof method !== 'function') return undefined;
      return (request: unknown, opts: CallOpts = {}) => ({
        async *[Symbol.asyncIterator]() {
          const metadata = new Metadata();
          // A call made while serving a request carries that request's id to the next hop.
          const requestId = opts.requestId ?? currentLogContext()?.requestId;
          if (requestId) metadata.set('x-request-id', requestId);
          for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata.set(k, v);
          propagateTraceContext(metadata);
          const deadline = new Date(Date.now() + (opts.deadlineMs ?? defaultDeadlineMs));
          const call = (method as (...args: unknown[]) => ClientReadableStream<unknown>).call(
            raw,
            request,
            metadata,
            { deadline },
          );
          const cancel = (): void => call.cancel();
          opts.signal?.addEventListener('abort', cancel, { once: true });
          if (opts.signal?.aborted) cancel();
          try {
            for await (const message of call) yield message;
          } catch (err) {
            throw fromServiceError(err as ServiceError, String(prop));
          } finally {
            opts.signal?.removeEventListener('abort', cancel);
            // The caller stopped early (its HTTP client went away): end the call on the server too.
            call.cancel();
          }
        },
      });
    },
  });
}
