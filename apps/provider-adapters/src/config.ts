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
import type { CurrencyCode } from '@tolem/money';
import { z } from 'zod';

import type { IntellectMoneyConfig } from './providers/intellectmoney/config';
import { parseHashOrder } from './providers/intellectmoney/signatures';
import type { PaykassmaConfig } from './providers/paykassma/config';
import type { QrAcquirerConfig } from './providers/qr-acquirer/config';
import { parseAcquirerSecrets } from './providers/qr-acquirer/transformers';
import type { WebMoneyConfig } from './providers/webmoney/config';
import { parsePurses } from './providers/webmoney/transformers';

const dbSchema = z.object({ DATABASE_URL: envs.url() });

/** A zod string parsed by a function that throws an Error with a safe message. */
const parsedBy = <T>(parse: (spec: string) => T, fallback?: string) =>
  (fallback === undefined ? z.string() : z.string().default(fallback)).transform((spec, ctx): T => {
    try {
      return parse(spec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const purses = () => parsedBy<ReadonlyMap<CurrencyCode, string>>(parsePurses);

/** A base URL without a trailing slash, so `${base}/webmoney` never doubles it. */
const baseUrl = () => envs.url().transform((url) => url.replace(/\/+$/, ''));
const optionalSecret = () =>
  z
    .string()
    .optional()
    .transform((v) => (v ? new Secret(v) : undefined));

const schema = dbSchema.extend({
  ...grpcServerEnv(50052),
  ...metricsEnv(),
  LOG_LEVEL: envs.logLevel(),
  ...migrateEnv(),
  /** The gateway's public base for provider callbacks, e.g. https://pay.example/callbacks. */
  CALLBACK_BASE_URL: baseUrl(),
  /**
   * What this deployment's provider URLs are: `sandbox` (provider-sandbox or a provider's test
   * environment) takes only test payments (livemode false), `live` only live ones. A payment of the
   * other mode is refused before any provider is called, so a test key can never move real money
   * and a live payment never lands in a sandbox.
   */
  PROVIDER_ENVIRONMENT: z.enum(['sandbox', 'live']).default('sandbox'),
  /** Deadline of every server-to-server call to a provider. */
  PROVIDER_HTTP_TIMEOUT_MS: envs.durationMs(15_000),
  /** Raw callbacks are kept this long for disputes and replays, then deleted. */
  CALLBACK_RETENTION_DAYS: z.coerce.number().int().min(1).default(180),
  /** How often the retention sweeper runs; 0 disables it. Safe in every replica at once. */
  CALLBACK_RETENTION_SWEEP_MS: envs.durationMs(3_600_000),
  /** Rows per delete statement of the sweeper. */
  CALLBACK_RETENTION_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),

  /** WebMoney's payment form (payment_utf.asp), the sandbox's in development. */
  WEBMONEY_MERCHANT_URL: envs.url(),
  /** Currency -> purse, `USD:Z145179295679,EUR:E…`; the purse letter must match the currency. */
  WEBMONEY_PURSES: purses(),
  WEBMONEY_SECRET_KEY: envs.secret(),
  /** Optional X20 secret: when set, forms carry LMI_PAYMENTFORM_SIGN. */
  WEBMONEY_X20_SECRET: optionalSecret(),
  /** SIGN-form LMI_HASH cannot be verified with the secret; off unless explicitly wanted. */
  WEBMONEY_ALLOW_SIGN_HASH: envs.bool(false),
  WEBMONEY_REQUIRE_HASH2: envs.bool(true),
  /** The LMI_MODE notifications must carry: 1 test (sandbox), 0 real. */
  WEBMONEY_MODE: z.enum(['0', '1']).default('1'),

  // IntellectMoney (card, recurring): enabled when INTELLECTMONEY_ESHOP_ID is set.
  /** The merchant payment form, https://merchant.intellectmoney.ru/ru/ (or the sandbox's). */
  INTELLECTMONEY_PAYMENT_URL: envs.url().optional(),
  /** API base, https://api.intellectmoney.ru (or the sandbox's); Personal API paths go below it. */
  INTELLECTMONEY_API_URL: baseUrl().optional(),
  INTELLECTMONEY_ESHOP_ID: z
    .string()
    .regex(/^\d{1,12}$/, 'must be the shop number (digits)')
    .optional(),
  INTELLECTMONEY_SECRET_KEY: optionalSecret(),
  INTELLECTMONEY_BEARER_TOKEN: optionalSecret(),
  /** SignSecretKey of the Personal API `Sign` header (SHA-256). */
  INTELLECTMONEY_SIGN_SECRET: optionalSecret(),
  /** Personal API UserToken (from GetUserToken), when the account needs one. */
  INTELLECTMONEY_USER_TOKEN: optionalSecret(),
  /**
   * Notification hash field order: `legacy` (default: the order public integrations implement,
   * protocols.md §3.4), `invoice_id` (the conflicting variant), or names joined by `::`.
   */
  INTELLECTMONEY_HASH_ORDER: parsedBy(parseHashOrder, 'legacy'),

  // Paykassma (Wavepay): enabled when PAYKASSMA_API_URL is set.
  /** The payment window, https://plugin.{domain}/ (or the sandbox's). */
  PAYKASSMA_PLUGIN_URL: envs.url().optional(),
  /** Plugin-API base, https://api.{domain} (or the sandbox's); /api/v1/… paths go below it. */
  PAYKASSMA_API_URL: baseUrl().optional(),
  PAYKASSMA_PLUGIN_API_SECRET: optionalSecret(),
  PAYKASSMA_POSTBACK_ACCESS_KEY: optionalSecret(),
  PAYKASSMA_POSTBACK_PRIVATE_KEY: optionalSecret(),
  /** Payment window language for Wavepay: en or my. */
  PAYKASSMA_LANG: z.enum(['en', 'my']).default('en'),

  // QR acquiring: enabled when QR_ACQUIRER_SECRETS is set.
  /** Acquirer id -> HMAC secret, `mbank:…,bakai:…`. */
  QR_ACQUIRER_SECRETS: parsedBy(parseAcquirerSecrets).optional(),
  /** How far X-Tolem-Timestamp may be from our clock, either way. */
  QR_CALLBACK_MAX_SKEW_MS: envs.durationMs(300_000),
  // generator:config-schema
});

export interface ProviderAdaptersConfig extends GrpcServerConfig, MetricsConfig {
  databaseUrl: Secret;
  logLevel: string;
  migrateOnStart: boolean;
  callbackBaseUrl: string;
  providerEnvironment: 'sandbox' | 'live';
  providerHttpTimeoutMs: number;
  callbackRetention: Readonly<{ days: number; sweepMs: number; batchSize: number }>;
  webmoney: Readonly<WebMoneyConfig>;
  /** Undefined when IntellectMoney is not configured: card payments are then refused. */
  intellectmoney?: Readonly<IntellectMoneyConfig>;
  paykassma?: Readonly<PaykassmaConfig>;
  qrAcquirer?: Readonly<QrAcquirerConfig>;
  // generator:config-type
}

/**
 * A provider's variables are all-or-nothing: the provider is off when none is set, and a partial
 * set fails fast naming what is missing (a half-configured provider must never start).
 */
function group<K extends string>(
  env: Record<string, string | undefined>,
  names: readonly K[],
): boolean {
  const set = names.filter((n) => (env[n] ?? '') !== '');
  if (set.length === 0) return false;
  const missing = names.filter((n) => (env[n] ?? '') === '');
  if (missing.length > 0) {
    throw new ConfigError(missing.map((n) => `${n}: required when ${set[0]} is set`));
  }
  return true;
}

const INTELLECTMONEY_VARS = [
  'INTELLECTMONEY_PAYMENT_URL',
  'INTELLECTMONEY_API_URL',
  'INTELLECTMONEY_ESHOP_ID',
  'INTELLECTMONEY_SECRET_KEY',
  'INTELLECTMONEY_BEARER_TOKEN',
  'INTELLECTMONEY_SIGN_SECRET',
] as const;
// generator:config-groups
const PAYKASSMA_VARS = [
  'PAYKASSMA_PLUGIN_URL',
  'PAYKASSMA_API_URL',
  'PAYKASSMA_PLUGIN_API_SECRET',
  'PAYKASSMA_POSTBACK_ACCESS_KEY',
  'PAYKASSMA_POSTBACK_PRIVATE_KEY',
] as const;

/** Narrows an optional value a group check made present. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('config group check let an empty value through');
  return value;
}

/** The only reader of process.env in this service. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): ProviderAdaptersConfig {
  const e = parseEnv(schema, env);
  // WebMoney's mode says which money its notifications are about: real payments (0) in the
  // sandbox environment would let a test key move real money, simulated ones (1) in the live
  // environment would settle live payments that never paid.
  if ((e.PROVIDER_ENVIRONMENT === 'live') !== (e.WEBMONEY_MODE === '0')) {
    throw new ConfigError([
      `WEBMONEY_MODE: ${e.WEBMONEY_MODE} does not fit PROVIDER_ENVIRONMENT ${e.PROVIDER_ENVIRONMENT} ` +
        '(live takes 0, real payments; sandbox takes 1, simulated ones)',
    ]);
  }
  const callbacks = e.CALLBACK_BASE_URL;
  const config: ProviderAdaptersConfig = {
    databaseUrl: new Secret(e.DATABASE_URL),
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    callbackBaseUrl: callbacks,
    providerEnvironment: e.PROVIDER_ENVIRONMENT,
    providerHttpTimeoutMs: e.PROVIDER_HTTP_TIMEOUT_MS,
    callbackRetention: Object.freeze({
      days: e.CALLBACK_RETENTION_DAYS,
      sweepMs: e.CALLBACK_RETENTION_SWEEP_MS,
      batchSize: e.CALLBACK_RETENTION_BATCH,
    }),
    webmoney: Object.freeze({
      merchantUrl: e.WEBMONEY_MERCHANT_URL,
      resultUrl: `${callbacks}/webmoney`,
      purses: e.WEBMONEY_PURSES,
      secretKey: e.WEBMONEY_SECRET_KEY,
      x20Secret: e.WEBMONEY_X20_SECRET,
      allowSignHash: e.WEBMONEY_ALLOW_SIGN_HASH,
      requireHash2: e.WEBMONEY_REQUIRE_HASH2,
      mode: e.WEBMONEY_MODE,
    }),
  };
  if (group(env, INTELLECTMONEY_VARS)) {
    config.intellectmoney = Object.freeze({
      paymentUrl: present(e.INTELLECTMONEY_PAYMENT_URL),
      apiUrl: present(e.INTELLECTMONEY_API_URL),
      eshopId: present(e.INTELLECTMONEY_ESHOP_ID),
      secretKey: present(e.INTELLECTMONEY_SECRET_KEY),
      bearerToken: present(e.INTELLECTMONEY_BEARER_TOKEN),
      signSecret: present(e.INTELLECTMONEY_SIGN_SECRET),
      userToken: e.INTELLECTMONEY_USER_TOKEN,
      hashOrder: e.INTELLECTMONEY_HASH_ORDER,
      resultUrl: `${callbacks}/intellectmoney`,
    });
  }
  if (group(env, PAYKASSMA_VARS)) {
    config.paykassma = Object.freeze({
      pluginUrl: present(e.PAYKASSMA_PLUGIN_URL),
      apiUrl: present(e.PAYKASSMA_API_URL),
      pluginApiSecret: present(e.PAYKASSMA_PLUGIN_API_SECRET),
      postbackAccessKey: present(e.PAYKASSMA_POSTBACK_ACCESS_KEY),
      postbackPrivateKey: present(e.PAYKASSMA_POSTBACK_PRIVATE_KEY),
      lang: e.PAYKASSMA_LANG,
    });
  }
  if (e.QR_ACQUIRER_SECRETS) {
    config.qrAcquirer = Object.freeze({
      secrets: e.QR_ACQUIRER_SECRETS,
      maxSkewMs: e.QR_CALLBACK_MAX_SKEW_MS,
    });
  }
  // generator:config-load
  return Object.freeze(config);
}

/** What the migrate Job needs: only the database, not provider secrets. */
export function loadMigrateConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
} {
  const e = parseEnv(dbSchema, env);
  return Object.freeze({ databaseUrl: new Secret(e.DATABASE_URL) });
}
