import { ConfigError, envs, parseEnv, Secret } from '@tolem/config';
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: envs.url(),
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z.string().min(1),
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events.v1'),
  /** Consumer group = service name; tests override it to stay isolated. */
  KAFKA_GROUP_ID: z.string().min(1).default('reporting'),
  GRPC_PORT: envs.port(50057),
  GRPC_HOST: z.string().default('127.0.0.1'),
  /** mTLS: a directory with ca.crt, tls.crt and tls.key (a cert-manager Secret's layout). */
  GRPC_TLS_DIR: z.string().min(1).optional(),
  /** Plaintext gRPC without caller checks: single-app tests only, never in a pod. */
  GRPC_INSECURE: envs.bool(false),
  /** A plaintext port answering grpc.health.v1 only, for Kubernetes' probes (they cannot TLS). */
  GRPC_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Prometheus scrapes GET /metrics on this port of its own (0 turns the endpoint off). */
  METRICS_PORT: envs.port(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: envs.logLevel(),
  /** Local runs migrate at start; in Kubernetes a Job runs `migrate` before rollout. */
  MIGRATE_ON_START: envs.bool(false),
  /** The ledger, whose journal the consistency check compares reporting with. */
  LEDGER_ADDR: envs.address().default('127.0.0.1:50053'),
  /** How often the continuous consistency check runs (0: never). */
  CONSISTENCY_INTERVAL_MS: envs.durationMs(60_000),
  /** How many UTC days, today included, the continuous check covers. */
  CONSISTENCY_DAYS: z.coerce.number().int().min(1).max(366).default(3),
});

export interface ReportingConfig {
  databaseUrl: Secret;
  kafkaBrokers: string[];
  paymentsTopic: string;
  groupId: string;
  grpcPort: number;
  grpcHost: string;
  /** GRPC_TLS_DIR / GRPC_INSECURE / GRPC_HEALTH_PORT, for grpc-kit's grpcTransportOf. */
  grpcTls: { tlsDir?: string; insecure: boolean; healthPort?: number };
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
  migrateOnStart: boolean;
  ledgerAddr: string;
  consistencyIntervalMs: number;
  consistencyDays: number;
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ReportingConfig {
  const e = parseEnv(schema, env);
  const brokers = e.KAFKA_BROKERS.split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0)
    throw new ConfigError(['KAFKA_BROKERS: expected host:port[,host:port…]']);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    kafkaBrokers: brokers,
    paymentsTopic: e.PAYMENTS_TOPIC,
    groupId: e.KAFKA_GROUP_ID,
    grpcPort: e.GRPC_PORT,
    grpcHost: e.GRPC_HOST,
    grpcTls: { tlsDir: e.GRPC_TLS_DIR, insecure: e.GRPC_INSECURE, healthPort: e.GRPC_HEALTH_PORT },
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    ledgerAddr: e.LEDGER_ADDR,
    consistencyIntervalMs: e.CONSISTENCY_INTERVAL_MS,
    consistencyDays: e.CONSISTENCY_DAYS,
  });
}

/** The migrate Job and the CSV export need only the database. */
export function loadDbConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
} {
  const e = parseEnv(z.object({ DATABASE_URL: envs.url() }), env);
  return Object.freeze({ databaseUrl: new Secret(e.DATABASE_URL) });
}

/** The consistency command needs the database and the ledger. */
export function loadCheckConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
  ledgerAddr: string;
  grpcTls: { tlsDir?: string; insecure: boolean };
} {
  const e = parseEnv(
    z.object({
      DATABASE_URL: envs.url(),
      LEDGER_ADDR: envs.address().default('127.0.0.1:50053'),
      /** The operator's certificate (ca.crt, tls.crt, tls.key): the ledger takes only mTLS. */
      GRPC_TLS_DIR: z.string().min(1).optional(),
      GRPC_INSECURE: envs.bool(false),
    }),
    env,
  );
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ledgerAddr: e.LEDGER_ADDR,
    grpcTls: { tlsDir: e.GRPC_TLS_DIR, insecure: e.GRPC_INSECURE },
  });
}
