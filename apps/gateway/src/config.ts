import {
  envs,
  grpcClientEnv,
  type GrpcClientTls,
  grpcClientTls,
  type MetricsConfig,
  metricsConfig,
  metricsEnv,
  migrateEnv,
  parseEnv,
  Secret,
} from '@tolem/config';
import { z } from 'zod';

import type { RateLimits } from './http/server';

const perWindow = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = z.object({
  HTTP_PORT: envs.port(8080),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  ...metricsEnv(),
  /** Origin customers and providers reach the gateway at; payment_url and pages are built from it. */
  PUBLIC_BASE_URL: envs.url(),
  LOG_LEVEL: envs.logLevel(),
  /** The gateway's own database: the first answer to each Idempotency-Key, kept 24 hours. */
  DATABASE_URL: envs.url(),
  ...migrateEnv(),
  CHECKOUT_ADDR: envs.address(),
  NOTIFIER_ADDR: envs.address(),
  LEDGER_ADDR: envs.address(),
  /** Reporting's gRPC; the `/v1/reports` routes are served only when it is set. */
  REPORTING_ADDR: envs.address().optional(),
  /** The recurring service's gRPC; the bindings, recurring operations and receipts routes only when set. */
  RECURRING_ADDR: envs.address().optional(),
  /** qr-platform's gRPC; the `/v1/qr_codes` routes and `/qr/v1/details` are served only when set. */
  QR_PLATFORM_ADDR: envs.address().optional(),
  /** mTLS to the gRPC peers (GRPC_TLS_DIR), or plaintext (GRPC_INSECURE). */
  ...grpcClientEnv(),
  /** Bearer token of the /admin routes; short tokens are refused because they can be guessed. */
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  /** Deadline of every gRPC call to a peer. */
  GRPC_DEADLINE_MS: envs.durationMs(5_000),
  /** Requests one client IP may make to /pay/* (pages, forms, status polls) per window. */
  RATE_LIMIT_PAGES_MAX: perWindow(120),
  RATE_LIMIT_PAGES_WINDOW_MS: perWindow(60_000),
  /** Requests one client IP may make to /callbacks/* per window. */
  RATE_LIMIT_CALLBACKS_MAX: perWindow(600),
  RATE_LIMIT_CALLBACKS_WINDOW_MS: perWindow(60_000),
  /** Requests one client IP (a payer's bank) may make to /qr/v1/details per window. */
  RATE_LIMIT_QR_DETAILS_MAX: perWindow(600),
  RATE_LIMIT_QR_DETAILS_WINDOW_MS: perWindow(60_000),
  /** Requests one API key may make to /v1/* per window (all replicas count apart). */
  RATE_LIMIT_API_KEY_MAX: perWindow(5_000),
  RATE_LIMIT_API_KEY_WINDOW_MS: perWindow(1_000),
  /** Requests one client IP may make to /v1/* per window, whatever API key it sends. */
  RATE_LIMIT_API_IP_MAX: perWindow(10_000),
  RATE_LIMIT_API_IP_WINDOW_MS: perWindow(1_000),
  /** Proxies in front whose X-Forwarded-For is trusted (an ingress: 1); 0 trusts none. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * Batched CreatePayments calls to checkout in flight at once; creates arriving meanwhile
   * travel together in the next one. 0 sends one CreatePayment call per request.
   */
  CREATE_BATCH_LANES: z.coerce.number().int().min(0).max(64).default(2),
});

export interface GatewayConfig extends MetricsConfig {
  httpPort: number;
  httpHost: string;
  publicBaseUrl: string;
  logLevel: string;
  databaseUrl: Secret;
  migrateOnStart: boolean;
  checkoutAddr: string;
  notifierAddr: string;
  ledgerAddr: string;
  reportingAddr: string | undefined;
  recurringAddr: string | undefined;
  qrPlatformAddr: string | undefined;
  /** GRPC_TLS_DIR / GRPC_INSECURE, for grpc-kit's grpcTransportOf. */
  grpcTls: GrpcClientTls;
  adminToken: Secret;
  grpcDeadlineMs: number;
  rateLimits: RateLimits;
  trustProxyHops: number;
  createBatchLanes: number;
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    httpPort: e.HTTP_PORT,
    httpHost: e.HTTP_HOST,
    ...metricsConfig(e),
    publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    databaseUrl: new Secret(e.DATABASE_URL),
    migrateOnStart: e.MIGRATE_ON_START,
    checkoutAddr: e.CHECKOUT_ADDR,
    notifierAddr: e.NOTIFIER_ADDR,
    ledgerAddr: e.LEDGER_ADDR,
    reportingAddr: e.REPORTING_ADDR,
    recurringAddr: e.RECURRING_ADDR,
    qrPlatformAddr: e.QR_PLATFORM_ADDR,
    grpcTls: grpcClientTls(e),
    adminToken: new Secret(e.ADMIN_TOKEN),
    grpcDeadlineMs: e.GRPC_DEADLINE_MS,
    createBatchLanes: e.CREATE_BATCH_LANES,
    rateLimits: {
      pages: { max: e.RATE_LIMIT_PAGES_MAX, windowMs: e.RATE_LIMIT_PAGES_WINDOW_MS },
      callbacks: { max: e.RATE_LIMIT_CALLBACKS_MAX, windowMs: e.RATE_LIMIT_CALLBACKS_WINDOW_MS },
      qrDetails: {
        max: e.RATE_LIMIT_QR_DETAILS_MAX,
        windowMs: e.RATE_LIMIT_QR_DETAILS_WINDOW_MS,
      },
      apiPerKey: { max: e.RATE_LIMIT_API_KEY_MAX, windowMs: e.RATE_LIMIT_API_KEY_WINDOW_MS },
      apiPerIp: { max: e.RATE_LIMIT_API_IP_MAX, windowMs: e.RATE_LIMIT_API_IP_WINDOW_MS },
    },
    trustProxyHops: e.TRUST_PROXY_HOPS,
  });
}

/** The migrate Job needs only the database. */
export function loadMigrateConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
} {
  const e = parseEnv(z.object({ DATABASE_URL: envs.url() }), env);
  return Object.freeze({ databaseUrl: new Secret(e.DATABASE_URL) });
}
