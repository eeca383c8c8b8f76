import {
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';

import { fromServiceError } from './status';

export interface CallOpts {
  /** Overrides the client's default deadline for this call. */
  deadlineMs?: number;
  requestId?: string;
  metadata?: Record<string, string>;
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
  const raw = new Ctor(address, credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.enable_retries': 1,
  });
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 5_000;
  return new Proxy({} as PromiseClient<C>, {
    get(_target, prop) {
      if (prop === 'close') return () => raw.close();
      if (prop === 'then') return undefined;
      const method = (raw as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof method !== 'function') return undefined;
      return (request: unknown, opts: CallOpts = {}) =>
        new Promise((resolve, reject) => {
          const metadata = new Metadata();
          if (opts.requestId) metadata.set('x-request-id', opts.requestId);
          for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata.set(k, v);
          const deadline = new Date(Date.now() + (opts.deadlineMs ?? defaultDeadlineMs));
          (method as (...args: unknown[]) => unknown).call(
            raw,
            request,
            metadata,
            { deadline },
            (err: ServiceError | null, response: unknown) => {
              if (err) reject(fromServiceError(err, String(prop)));
              else resolve(response);
            },
          );
        });
    },
  });
}
