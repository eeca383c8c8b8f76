import { envs, parseEnv, Secret } from '@tolem/config';
import type { CurrencyCode } from '@tolem/money';
import { z } from 'zod';

import { parsePurses } from './providers/webmoney/transformers';
import type { WebMoneyConfig } from './providers/webmoney/webmoney.adapter';

const dbSchema = z.object({ DATABASE_URL: envs.url() });

const purses = () =>
  z.string().transform((spec, ctx): ReadonlyMap<CurrencyCode, string> => {
    try {
      return parsePurses(spec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** A base URL without a trailing slash, so `${base}/webmoney` never doubles it. */
const baseUrl = () => envs.url().transform((url) => url.replace(/\/+$/, ''));

const schema = dbSchema.extend({
  GRPC_PORT: envs.port(50052),
  GRPC_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: envs.logLevel(),
  /** Local runs migrate at start; in Kubernetes a Job runs `migrate` before rollout. */
  MIGRATE_ON_START: envs.bool(false),
  /** The gateway's public base for provider callbacks, e.g. https://pay.example/callbacks. */
  CALLBACK_BASE_URL: baseUrl(),
  /** WebMoney's payment form (payment_utf.asp), the sandbox's in development. */
  WEBMONEY_MERCHANT_URL: envs.url(),
  /** Currency -> purse, `USD:Z145179295679,EUR:E…`; the purse letter must match the currency. */
  WEBMONEY_PURSES: purses(),
  WEBMONEY_SECRET_KEY: envs.secret(),
  /** Optional X20 secret: when set, forms carry LMI_PAYMENTFORM_SIGN. */
  WEBMONEY_X20_SECRET: z
    .string()
    .optional()
    .transform((v) => (v ? new Secret(v) : undefined)),
  /** SIGN-form LMI_HASH cannot be verified with the secret; off unless explicitly wanted. */
  WEBMONEY_ALLOW_SIGN_HASH: envs.bool(false),
  WEBMONEY_REQUIRE_HASH2: envs.bool(true),
  /** The LMI_MODE notifications must carry: 1 test (sandbox), 0 real. */
  WEBMONEY_MODE: z.enum(['0', '1']).default('1'),
});

export interface ProviderAdaptersConfig {
  databaseUrl: Secret;
  grpcPort: number;
  grpcHost: string;
  logLevel: string;
  migrateOnStart: boolean;
  callbackBaseUrl: string;
  webmoney: Readonly<WebMoneyConfig>;
}

/** The only reader of process.env in this service. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): ProviderAdaptersConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    grpcPort: e.GRPC_PORT,
    grpcHost: e.GRPC_HOST,
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    callbackBaseUrl: e.CALLBACK_BASE_URL,
    webmoney: Object.freeze({
      merchantUrl: e.WEBMONEY_MERCHANT_URL,
      resultUrl: `${e.CALLBACK_BASE_URL}/webmoney`,
      purses: e.WEBMONEY_PURSES,
      secretKey: e.WEBMONEY_SECRET_KEY,
      x20Secret: e.WEBMONEY_X20_SECRET,
      allowSignHash: e.WEBMONEY_ALLOW_SIGN_HASH,
      requireHash2: e.WEBMONEY_REQUIRE_HASH2,
      mode: e.WEBMONEY_MODE,
    }),
  });
}

/** What the migrate Job needs: only the database, not provider secrets. */
export function loadMigrateConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
} {
  const e = parseEnv(dbSchema, env);
  return Object.freeze({ databaseUrl: new Secret(e.DATABASE_URL) });
}
