import {
  ConfigError,
  envs,
  type GrpcServerConfig,
  grpcServerConfig,
  grpcServerEnv,
  type KafkaSecurity,
  kafkaSecurityEnv,
  kafkaSecurityOf,
  type MetricsConfig,
  metricsConfig,
  metricsEnv,
  migrateEnv,
  parseEnv,
  Secret,
  splitBrokers,
} from '@tolem/config';
import { z } from 'zod';

/**
 * Stricter than kafkaEnv's (the consumers'): each broker must be host:port, checked with the other
 * variables. The ledger only produces, so it has no KAFKA_GROUP_ID.
 */
const brokers = z
  .string()
  .transform(splitBrokers)
  .pipe(
    z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1, 'at least one broker'),
  );

/** What the check-integrity tool and the migrate job need: the database, nothing else. */
const toolSchema = z.object({
  DATABASE_URL: envs.url(),
  LOG_LEVEL: envs.logLevel(),
  /**
   * How old an unpublished outbox row must be before CheckIntegrity calls it stuck. The relay
   * publishes within milliseconds while Kafka is up; younger rows are simply in flight.
   */
  INTEGRITY_OUTBOX_GRACE_MS: envs.durationMs(60_000),
});

const schema = toolSchema.extend({
  KAFKA_BROKERS: brokers,
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events.v1'),
  ...kafkaSecurityEnv(),
  ...grpcServerEnv(50053),
  ...metricsEnv(),
  ...migrateEnv(),
  /**
   * Group commit of PostPayment / CreateHold: lanes are concurrent batches (each owns a disjoint
   * set of merchants and system shards, so they never wait on each other's row locks); a batch
   * takes at most BATCH_MAX items. LANES=0 writes every call in its own transaction.
   */
  LEDGER_BATCH_LANES: z.coerce.number().int().min(0).max(16).default(4),
  LEDGER_BATCH_MAX: z.coerce.number().int().min(1).max(8190).default(500),
  /** Pool size: lanes + locked writes + reads + the outbox relay. */
  DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(16),
  /**
   * Events the relay publishes per round (a group-committed batch is one outbox row of many
   * events; it is sent in requests of at most this many). Larger rounds keep up with
   * group-committed writes at fewer round trips; each stays well under Kafka's 1 MB limit.
   */
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  /** How often the ledger voids holds past their timeout. */
  HOLD_SWEEP_INTERVAL_MS: envs.durationMs(5_000),
});

export interface LedgerToolConfig {
  databaseUrl: Secret;
  logLevel: string;
  outboxGraceMs: number;
}

export interface LedgerConfig extends LedgerToolConfig, GrpcServerConfig, MetricsConfig {
  kafkaBrokers: string[];
  kafkaSecurity: KafkaSecurity;
  paymentsTopic: string;
  migrateOnStart: boolean;
  batchLanes: number;
  batchMax: number;
  dbPoolMax: number;
  holdSweepIntervalMs: number;
  outboxBatchSize: number;
}

/** The service's configuration. The only reader of process.env in this service (with loadToolConfig). */
export function loadConfig(env: Record<string, string | undefined> = process.env): LedgerConfig {
  const e = parseEnv(schema, env);
  const { security, problems } = kafkaSecurityOf(e);
  if (!security) throw new ConfigError(problems);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    outboxGraceMs: e.INTEGRITY_OUTBOX_GRACE_MS,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaSecurity: security,
    paymentsTopic: e.PAYMENTS_TOPIC,
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    migrateOnStart: e.MIGRATE_ON_START,
    batchLanes: e.LEDGER_BATCH_LANES,
    batchMax: e.LEDGER_BATCH_MAX,
    dbPoolMax: e.DB_POOL_MAX,
    holdSweepIntervalMs: e.HOLD_SWEEP_INTERVAL_MS,
    outboxBatchSize: e.OUTBOX_BATCH_SIZE,
  });
}

/** Configuration of the one-shot tools (migrate, check-integrity), which need no Kafka. */
export function loadToolConfig(
  env: Record<string, string | undefined> = process.env,
): LedgerToolConfig {
  const e = parseEnv(toolSchema, env);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    outboxGraceMs: e.INTEGRITY_OUTBOX_GRACE_MS,
  });
}
