import {
  ConfigError,
  envs,
  type GrpcServerConfig,
  grpcServerConfig,
  grpcServerEnv,
  type MetricsConfig,
  metricsConfig,
  metricsEnv,
  migrateEnv,
  parseEnv,
  Secret,
} from '@tolem/config';
import { z } from 'zod';

import type { CashRegisterSettings } from './receipts/cash-register.client';

/** An unset or blank variable: both mean "not configured". */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const schema = z.object({
  DATABASE_URL: envs.url(),
  ...grpcServerEnv(50055),
  ...metricsEnv(),
  LOG_LEVEL: envs.logLevel(),
  ...migrateEnv(),
  /**
   * The online cash register (YooKassa's receipts API, or the sandbox's): base URL, shop id and
   * secret go together; unset, receipts are stored and wait as `pending` until one is set.
   */
  CASH_REGISTER_URL: z.preprocess(blank, envs.url().optional()),
  CASH_REGISTER_SHOP_ID: z.preprocess(blank, z.string().optional()),
  CASH_REGISTER_SECRET_KEY: z.preprocess(blank, z.string().optional()),
  /** Timeout of one send; the sender's claim on a receipt lasts longer than it. */
  CASH_REGISTER_TIMEOUT_MS: envs.durationMs(10_000),
  /** Pause of the receipt sender between rounds; 0 stops it. */
  RECEIPTS_SEND_INTERVAL_MS: envs.durationMs(5_000),
  /** Checkout: every charge attempt is a payment it makes (ChargeBoundCard). */
  CHECKOUT_ADDR: envs.address().default('127.0.0.1:50051'),
  /** The ledger: recurring facts are recorded (and so published) there. */
  LEDGER_ADDR: envs.address().default('127.0.0.1:50053'),
  /** How often the scheduler looks for due occurrences and charges; 0 disables it. */
  SCHEDULER_INTERVAL_MS: envs.durationMs(1_000),
  /** Operations materialized, and charges claimed, per round. */
  SCHEDULER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Charge attempts in flight at once per instance. */
  SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
  /** How long a claimed charge is one instance's before another may retake it (same key). */
  SCHEDULER_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(5 * 60_000),
  /** How often recurring facts are handed to the ledger; 0 disables the relay. */
  FACTS_RELAY_INTERVAL_MS: envs.durationMs(500),
  /**
   * A clock that only AdvanceTestClock moves (the local stack and the end-to-end tests); the
   * background scheduler then does not run by itself. Never in production.
   */
  RECURRING_TEST_CLOCK: envs.bool(false),
});

export interface RecurringConfig extends GrpcServerConfig, MetricsConfig {
  databaseUrl: Secret;
  logLevel: string;
  migrateOnStart: boolean;
  /** Undefined when no cash register is configured. */
  cashRegister: CashRegisterSettings | undefined;
  receiptsSendIntervalMs: number;
  checkoutAddr: string;
  ledgerAddr: string;
  schedulerIntervalMs: number;
  schedulerBatchSize: number;
  schedulerConcurrency: number;
  schedulerLeaseMs: number;
  factsRelayIntervalMs: number;
  testClock: boolean;
}

function cashRegister(e: z.infer<typeof schema>): CashRegisterSettings | undefined {
  const names = ['CASH_REGISTER_URL', 'CASH_REGISTER_SHOP_ID', 'CASH_REGISTER_SECRET_KEY'] as const;
  const missing = names.filter((n) => e[n] === undefined);
  if (missing.length === names.length) return undefined;
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map(
        (n) => `${n}: required with ${names.filter((x) => !missing.includes(x)).join(', ')}`,
      ),
    );
  }
  return Object.freeze({
    url: e.CASH_REGISTER_URL as string,
    shopId: e.CASH_REGISTER_SHOP_ID as string,
    secretKey: new Secret(e.CASH_REGISTER_SECRET_KEY as string),
    timeoutMs: e.CASH_REGISTER_TIMEOUT_MS,
  });
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): RecurringConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    cashRegister: cashRegister(e),
    receiptsSendIntervalMs: e.RECEIPTS_SEND_INTERVAL_MS,
    checkoutAddr: e.CHECKOUT_ADDR,
    ledgerAddr: e.LEDGER_ADDR,
    schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
    schedulerBatchSize: e.SCHEDULER_BATCH_SIZE,
    schedulerConcurrency: e.SCHEDULER_CONCURRENCY,
    schedulerLeaseMs: e.SCHEDULER_LEASE_MS,
    factsRelayIntervalMs: e.FACTS_RELAY_INTERVAL_MS,
    testClock: e.RECURRING_TEST_CLOCK,
  });
}
