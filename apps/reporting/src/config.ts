import {
  envs,
  grpcClientEnv,
  type GrpcClientTls,
  grpcClientTls,
  type GrpcServerConfig,
  grpcServerConfig,
  grpcServerEnv,
  type KafkaConfig,
  kafkaConfig,
  kafkaEnv,
  type MetricsConfig,
  metricsConfig,
  metricsEnv,
  migrateEnv,
  parseEnv,
  Secret,
} from '@tolem/config';
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: envs.url(),
  ...kafkaEnv({ groupId: 'reporting' }),
  ...grpcServerEnv(50057),
  ...metricsEnv(),
  LOG_LEVEL: envs.logLevel(),
  ...migrateEnv(),
  /** The ledger, whose journal the consistency check compares reporting with. */
  LEDGER_ADDR: envs.address().default('127.0.0.1:50053'),
  /** How often the continuous consistency check runs (0: never). */
  CONSISTENCY_INTERVAL_MS: envs.durationMs(60_000),
  /** How many UTC days, today included, the continuous check covers. */
  CONSISTENCY_DAYS: z.coerce.number().int().min(1).max(366).default(3),
  /** How often appended daily-totals deltas are folded into their rows (reads add the rest). */
  TOTALS_FOLD_INTERVAL_MS: envs.durationMs(500),
});

export interface ReportingConfig extends GrpcServerConfig, MetricsConfig, KafkaConfig {
  databaseUrl: Secret;
  logLevel: string;
  migrateOnStart: boolean;
  ledgerAddr: string;
  consistencyIntervalMs: number;
  consistencyDays: number;
  totalsFoldIntervalMs: number;
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ReportingConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ...kafkaConfig(e),
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    ledgerAddr: e.LEDGER_ADDR,
    consistencyIntervalMs: e.CONSISTENCY_INTERVAL_MS,
    consistencyDays: e.CONSISTENCY_DAYS,
    totalsFoldIntervalMs: e.TOTALS_FOLD_INTERVAL_MS,
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
  grpcTls: GrpcClientTls;
} {
  const e = parseEnv(
    z.object({
      DATABASE_URL: envs.url(),
      LEDGER_ADDR: envs.address().default('127.0.0.1:50053'),
      /** The operator's certificate: the ledger takes only mTLS callers. */
      ...grpcClientEnv(),
    }),
    env,
  );
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ledgerAddr: e.LEDGER_ADDR,
    grpcTls: grpcClientTls(e),
  });
}
