import {
  ConfigError,
  envs,
  type GrpcServerConfig,
  grpcServerConfig,
  grpcServerEnv,
  type KafkaConfig,
  kafkaConfig,
  kafkaEnv,
  kafkaProblems,
  type MetricsConfig,
  metricsConfig,
  metricsEnv,
  migrateEnv,
  parseEnv,
  Secret,
} from '@tolem/config';
import { z } from 'zod';

import { PRIVATE_NETWORK_ALLOWANCES, type PrivateNetworkAllowance } from './domain/ssrf';

const HOUR_MS = 3_600_000;

const schema = z.object({
  DATABASE_URL: envs.url(),
  ...kafkaEnv({ groupId: 'notifier' }),
  ...grpcServerEnv(50054),
  ...metricsEnv(),
  LOG_LEVEL: envs.logLevel(),
  ...migrateEnv(),
  /** How long a delivery is retried (Web-Oplata: up to 3 days). */
  NOTIFY_RETRY_WINDOW_MS: envs.durationMs(72 * HOUR_MS),
  NOTIFY_TIMEOUT_MS: envs.durationMs(10_000),
  NOTIFY_MIN_BACKOFF_MS: envs.durationMs(5_000),
  NOTIFY_MAX_BACKOFF_MS: envs.durationMs(HOUR_MS),
  /** Fallback poll for retries coming due; new deliveries wake the dispatcher at once. */
  NOTIFY_POLL_MS: envs.durationMs(250),
  /**
   * Attempts in flight at once in this process, over all endpoints. Large on purpose: slow
   * endpoints hold their max_in_flight slots for as long as they take, and must not use up the
   * slots everyone else needs (1,000 endpoints x 4 = 4,000). An idle slot costs nothing.
   */
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(16384).default(4096),
  /** Most deliveries one claim leases (one statement). */
  NOTIFY_CLAIM_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** Connections to PostgreSQL (claims and the attempts' records share them). */
  DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(20),
  /** A merchant's Retry-After (429/503) is honoured up to this long. */
  NOTIFY_MAX_RETRY_AFTER_MS: envs.durationMs(6 * HOUR_MS),
  /** An endpoint whose every attempt failed for this long is disabled (reason `failing`). */
  NOTIFY_DISABLE_AFTER_MS: envs.durationMs(72 * HOUR_MS),
  /**
   * Non-public addresses merchant URLs may reach: none in production (SSRF); the local stack and
   * tests set `loopback`.
   */
  NOTIFY_ALLOW_PRIVATE_NETWORKS: z.enum(PRIVATE_NETWORK_ALLOWANCES).default('none'),
});

export interface NotifierConfig extends GrpcServerConfig, MetricsConfig, KafkaConfig {
  databaseUrl: Secret;
  logLevel: string;
  migrateOnStart: boolean;
  dbPoolMax: number;
  notify: {
    retryWindowMs: number;
    timeoutMs: number;
    minBackoffMs: number;
    maxBackoffMs: number;
    pollMs: number;
    concurrency: number;
    claimBatch: number;
    maxRetryAfterMs: number;
    disableAfterMs: number;
    allowPrivateNetworks: PrivateNetworkAllowance;
  };
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): NotifierConfig {
  const e = parseEnv(schema, env);
  const problems: string[] = [];
  if (e.NOTIFY_MIN_BACKOFF_MS < 1) problems.push('NOTIFY_MIN_BACKOFF_MS: must be at least 1');
  if (e.NOTIFY_MAX_BACKOFF_MS < e.NOTIFY_MIN_BACKOFF_MS) {
    problems.push('NOTIFY_MAX_BACKOFF_MS: must not be below NOTIFY_MIN_BACKOFF_MS');
  }
  if (e.NOTIFY_TIMEOUT_MS < 1) problems.push('NOTIFY_TIMEOUT_MS: must be at least 1');
  if (e.NOTIFY_POLL_MS < 1) problems.push('NOTIFY_POLL_MS: must be at least 1');
  problems.push(...kafkaProblems(e));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ...kafkaConfig(e),
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    dbPoolMax: e.DB_POOL_MAX,
    notify: Object.freeze({
      retryWindowMs: e.NOTIFY_RETRY_WINDOW_MS,
      timeoutMs: e.NOTIFY_TIMEOUT_MS,
      minBackoffMs: e.NOTIFY_MIN_BACKOFF_MS,
      maxBackoffMs: e.NOTIFY_MAX_BACKOFF_MS,
      pollMs: e.NOTIFY_POLL_MS,
      concurrency: e.NOTIFY_CONCURRENCY,
      claimBatch: e.NOTIFY_CLAIM_BATCH,
      maxRetryAfterMs: e.NOTIFY_MAX_RETRY_AFTER_MS,
      disableAfterMs: e.NOTIFY_DISABLE_AFTER_MS,
      allowPrivateNetworks: e.NOTIFY_ALLOW_PRIVATE_NETWORKS,
    }),
  });
}

/** The migrate Job needs only the database. */
export function loadMigrateConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
} {
  const e = parseEnv(z.object({ DATABASE_URL: envs.url() }), env);
  return Object.freeze({ databaseUrl: new Secret(e.DATABASE_URL) });
}
