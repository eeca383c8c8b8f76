import { z } from 'zod';

import { envs } from './env';

/**
 * The gRPC server variables every service reads, to spread into its env schema:
 * `z.object({ ...grpcServerEnv(50051), … })`. Only the port's default differs between services
 * (each has its own, so a local stack runs them side by side).
 */
export const grpcServerEnv = (defaultPort: number) => ({
  GRPC_PORT: envs.port(defaultPort),
  GRPC_HOST: z.string().default('127.0.0.1'),
  /** mTLS: a directory with ca.crt, tls.crt and tls.key (a cert-manager Secret's layout). */
  GRPC_TLS_DIR: z.string().min(1).optional(),
  /** Plaintext gRPC without caller checks: single-app tests only, never in a pod. */
  GRPC_INSECURE: envs.bool(false),
  /** A plaintext port answering grpc.health.v1 only, for Kubernetes' probes (they cannot TLS). */
  GRPC_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

/** The parsed server variables (what `parseEnv` returns for a schema spreading grpcServerEnv). */
export type GrpcServerEnv = z.infer<z.ZodObject<ReturnType<typeof grpcServerEnv>>>;

/** The gRPC part of a service's config; `grpcTls` is what grpc-kit's grpcTransportOf takes. */
export interface GrpcServerConfig {
  grpcPort: number;
  grpcHost: string;
  /** GRPC_TLS_DIR / GRPC_INSECURE / GRPC_HEALTH_PORT. */
  grpcTls: { tlsDir?: string; insecure: boolean; healthPort?: number };
}

/** Maps the parsed server variables into a service's config (spread it into the result). */
export function grpcServerConfig(e: GrpcServerEnv): GrpcServerConfig {
  return {
    grpcPort: e.GRPC_PORT,
    grpcHost: e.GRPC_HOST,
    grpcTls: { tlsDir: e.GRPC_TLS_DIR, insecure: e.GRPC_INSECURE, healthPort: e.GRPC_HEALTH_PORT },
  };
}

/**
 * The transport variables of a gRPC caller with no server of its own (the gateway, operators'
 * command-line tools), to spread into its env schema: `z.object({ ...grpcClientEnv(), … })`.
 */
export const grpcClientEnv = () => ({
  /**
   * The caller's certificate: a directory with ca.crt, tls.crt and tls.key (a cert-manager
   * Secret's layout); the services accept only mTLS callers.
   */
  GRPC_TLS_DIR: z.string().min(1).optional(),
  /** Plaintext, for peers started with GRPC_INSECURE=true: single-app tests only, never in a pod. */
  GRPC_INSECURE: envs.bool(false),
});

/** The parsed client variables (what `parseEnv` returns for a schema spreading grpcClientEnv). */
export type GrpcClientEnv = z.infer<z.ZodObject<ReturnType<typeof grpcClientEnv>>>;

/** A caller's transport settings, for grpc-kit's grpcTransportOf. */
export interface GrpcClientTls {
  tlsDir?: string;
  insecure: boolean;
}

/** Maps the parsed client variables into the caller's `grpcTls`. */
export function grpcClientTls(e: GrpcClientEnv): GrpcClientTls {
  return { tlsDir: e.GRPC_TLS_DIR, insecure: e.GRPC_INSECURE };
}
