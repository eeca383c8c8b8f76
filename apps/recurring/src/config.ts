import { ConfigError, envs, parseEnv, Secret } from '@tolem/config';
import { z } from 'zod';

import type { CashRegisterSettings } from './receipts/cash-register.client';

/** An unset or blank variable: both mean "not configured". */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const schema = z.object({
  DATABASE_URL: envs.url(),
  GRPC_PORT: envs.port(50055),
  GRPC_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: envs.logLevel(),
  /** Local runs migrate at start; in Kubernetes a Job runs `migrate` before rollout. */
  MIGRATE_ON_START: envs.bool(false),
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
});

export interface RecurringConfig {
  databaseUrl: Secret;
  grpcPort: number;
  grpcHost: string;
  logLevel: string;
  migrateOnStart: boolean;
  /** Undefined when no cash register is configured. */
  cashRegister: CashRegisterSettings | undefined;
  receiptsSendIntervalMs: number;
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
    grpcPort: e.GRPC_PORT,
    grpcHost: e.GRPC_HOST,
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    cashRegister: cashRegister(e),
    receiptsSendIntervalMs: e.RECEIPTS_SEND_INTERVAL_MS,
  });
}
