import {
  ConfigError,
  envs,
  type MetricsConfig,
  metricsConfig,
  metricsEnv,
  parseEnv,
  Secret,
} from '@tolem/config';
import { z } from 'zod';

import type { CashboxSandboxConfig } from './cashbox';
import type { IntellectmoneySandboxConfig } from './providers/intellectmoney';
import { type HashOrder, parseHashOrder } from './providers/intellectmoney/signing';
import type { PaykassmaSandboxConfig } from './providers/paykassma';
import type { QrBankSandboxConfig } from './providers/qrbank';
import type { WebmoneySandboxConfig } from './providers/webmoney';

/** An unset or blank variable: optional providers treat both as "not configured". */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blank, schema.optional());

const schema = z.object({
  HTTP_PORT: envs.port(8090),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  ...metricsEnv(),
  /** The sandbox's own base URL as browsers see it; defaults to http://HTTP_HOST:HTTP_PORT. */
  PUBLIC_BASE_URL: envs.url().optional(),
  LOG_LEVEL: envs.logLevel(),
  /** Timeout of every call the sandbox makes to a merchant (Tolem) URL. */
  SANDBOX_HTTP_TIMEOUT_MS: envs.durationMs(10_000),
  /** Deliveries per IntellectMoney / Paykassma / QR callback (first included) until accepted. */
  SANDBOX_CALLBACK_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  /** Pause before a callback's second delivery; doubles for each later one. */
  SANDBOX_CALLBACK_BACKOFF_MS: envs.durationMs(500),

  /** The merchant Secret Key WebMoney shares with Tolem (WebMoney caps it at 50 characters). */
  SANDBOX_WEBMONEY_SECRET_KEY: z.string().min(1).max(50),
  /** LMI_HASH algorithm, as chosen in the purse's merchant settings. LMI_HASH2 is always SHA-256. */
  SANDBOX_WEBMONEY_HASH: z.enum(['sha256', 'md5']).default('sha256'),
  /** When set, every payment form must carry a valid LMI_PAYMENTFORM_SIGN (X20 secret key). */
  SANDBOX_WEBMONEY_X20_SECRET: z.string().min(1).optional(),
  /** LMI_MODE the sandbox reports: 1 = test (the default), 0 = real. */
  SANDBOX_WEBMONEY_MODE: z.enum(['0', '1']).default('1'),
  /** Notification deliveries per payment (first try included) until the Result URL answers 200. */
  SANDBOX_WEBMONEY_NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(4),
  /** Pause before the second delivery; doubles for each later one. */
  SANDBOX_WEBMONEY_NOTIFY_BACKOFF_MS: envs.durationMs(250),

  /** IntellectMoney shop id (eshopId); with SECRET_KEY and RESULT_URL enables IntellectMoney. */
  SANDBOX_INTELLECTMONEY_ESHOP_ID: optional(z.string().regex(/^\d{1,12}$/, 'expected digits')),
  SANDBOX_INTELLECTMONEY_SECRET_KEY: optional(z.string()),
  /** Tolem's callback URL: IntellectMoney posts notifications to the URL in the shop settings. */
  SANDBOX_INTELLECTMONEY_RESULT_URL: optional(envs.url()),
  /** Notification hash field order: `legacy` (default), `invoice_id`, or `a::b::secretKey::…`. */
  SANDBOX_INTELLECTMONEY_HASH_ORDER: optional(
    z.string().refine((v) => parseHashOrder(v) !== undefined, {
      message: 'expected legacy, invoice_id, or a ::-joined field list with secretKey once',
    }),
  ),
  /** Personal API Bearer token; with SIGN_SECRET enables the Personal API. */
  SANDBOX_INTELLECTMONEY_BEARER_TOKEN: optional(z.string()),
  SANDBOX_INTELLECTMONEY_SIGN_SECRET: optional(z.string()),

  /** Paykassma plugin-API secret (`?secret=`); the four PAYKASSMA variables enable it together. */
  SANDBOX_PAYKASSMA_PLUGIN_API_SECRET: optional(z.string()),
  SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY: optional(z.string()),
  SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY: optional(z.string()),
  /** Tolem's postback URL. */
  SANDBOX_PAYKASSMA_POSTBACK_URL: optional(envs.url()),
  /** How long a `pending` activation waits before its postback. */
  SANDBOX_PAYKASSMA_PENDING_DELAY_MS: envs.durationMs(3_000),

  /** The acquirer id the QR bank app names in X-Tolem-Acquirer; the three QR variables go together. */
  SANDBOX_QR_ACQUIRER_ID: optional(z.string()),
  SANDBOX_QR_ACQUIRER_SECRET: optional(z.string()),
  /** Tolem's QR payment confirmation URL. */
  SANDBOX_QR_CALLBACK_URL: optional(envs.url()),
  /**
   * Tolem's public base URL (the gateway): the bank asks its GET /qr/v1/details before every
   * payment. Optional apart from the three: unset, the bank reads codes alone (a rig with no Tolem).
   */
  SANDBOX_QR_TOLEM_URL: optional(envs.url()),

  /** The online cash register's shop id and secret (Basic auth); the two enable it together. */
  SANDBOX_CASHBOX_SHOP_ID: optional(z.string()),
  SANDBOX_CASHBOX_SECRET_KEY: optional(z.string()),
});

type Env = z.infer<typeof schema>;

/** Shared delivery policy of the callback dispatchers. */
export interface CallbackPolicy {
  attempts: number;
  backoffMs: number;
}

/** A provider that is off: the variables still to set (its routes answer 503 naming them). */
export interface Disabled {
  missing: readonly string[];
}

export interface SandboxConfig extends MetricsConfig {
  httpPort: number;
  httpHost: string;
  publicBaseUrl: string;
  logLevel: string;
  httpTimeoutMs: number;
  callbacks: CallbackPolicy;
  webmoney: WebmoneySandboxConfig;
  intellectmoney: IntellectmoneySandboxConfig | Disabled;
  paykassma: PaykassmaSandboxConfig | Disabled;
  qr: QrBankSandboxConfig | Disabled;
  cashbox: CashboxSandboxConfig | Disabled;
}

export function isDisabled<T extends object>(c: T | Disabled): c is Disabled {
  return 'missing' in c;
}

/**
 * A provider's required variables: all unset disables it; some set is a mistake, so start-up
 * fails naming the missing ones rather than running half configured.
 */
function group<K extends keyof Env>(
  e: Env,
  names: readonly K[],
): { ok: true; values: { [P in K]-?: NonNullable<Env[P]> } } | { ok: false; missing: K[] } {
  const missing = names.filter((n) => e[n] === undefined);
  if (missing.length === 0) {
    return { ok: true, values: e as unknown as { [P in K]-?: NonNullable<Env[P]> } };
  }
  if (missing.length < names.length) {
    throw new ConfigError(
      missing.map(
        (n) =>
          `${String(n)}: required with ${names.filter((x) => !missing.includes(x)).join(', ')}`,
      ),
    );
  }
  return { ok: false, missing };
}

function intellectmoney(e: Env): IntellectmoneySandboxConfig | Disabled {
  const core = group(e, [
    'SANDBOX_INTELLECTMONEY_ESHOP_ID',
    'SANDBOX_INTELLECTMONEY_SECRET_KEY',
    'SANDBOX_INTELLECTMONEY_RESULT_URL',
  ]);
  const personal = group(e, [
    'SANDBOX_INTELLECTMONEY_BEARER_TOKEN',
    'SANDBOX_INTELLECTMONEY_SIGN_SECRET',
  ]);
  if (!core.ok) return { missing: core.missing };
  const v = core.values;
  const config: IntellectmoneySandboxConfig = {
    eshopId: v.SANDBOX_INTELLECTMONEY_ESHOP_ID,
    secretKey: new Secret(v.SANDBOX_INTELLECTMONEY_SECRET_KEY),
    resultUrl: v.SANDBOX_INTELLECTMONEY_RESULT_URL,
    hashOrder: parseHashOrder(e.SANDBOX_INTELLECTMONEY_HASH_ORDER) as HashOrder,
  };
  if (personal.ok) {
    config.personalApi = {
      bearerToken: new Secret(personal.values.SANDBOX_INTELLECTMONEY_BEARER_TOKEN),
      signSecretKey: new Secret(personal.values.SANDBOX_INTELLECTMONEY_SIGN_SECRET),
    };
  }
  return Object.freeze(config);
}

function paykassma(e: Env): PaykassmaSandboxConfig | Disabled {
  const g = group(e, [
    'SANDBOX_PAYKASSMA_PLUGIN_API_SECRET',
    'SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY',
    'SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY',
    'SANDBOX_PAYKASSMA_POSTBACK_URL',
  ]);
  if (!g.ok) return { missing: g.missing };
  return Object.freeze({
    pluginApiSecret: new Secret(g.values.SANDBOX_PAYKASSMA_PLUGIN_API_SECRET),
    postbackAccessKey: new Secret(g.values.SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY),
    postbackPrivateKey: new Secret(g.values.SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY),
    postbackUrl: g.values.SANDBOX_PAYKASSMA_POSTBACK_URL,
    pendingDelayMs: e.SANDBOX_PAYKASSMA_PENDING_DELAY_MS,
  });
}

function qr(e: Env): QrBankSandboxConfig | Disabled {
  const g = group(e, [
    'SANDBOX_QR_ACQUIRER_ID',
    'SANDBOX_QR_ACQUIRER_SECRET',
    'SANDBOX_QR_CALLBACK_URL',
  ]);
  if (!g.ok) return { missing: g.missing };
  return Object.freeze({
    acquirerId: g.values.SANDBOX_QR_ACQUIRER_ID,
    acquirerSecret: new Secret(g.values.SANDBOX_QR_ACQUIRER_SECRET),
    callbackUrl: g.values.SANDBOX_QR_CALLBACK_URL,
    ...(e.SANDBOX_QR_TOLEM_URL !== undefined
      ? { tolemUrl: e.SANDBOX_QR_TOLEM_URL.replace(/\/+$/, '') }
      : {}),
  });
}

function cashbox(e: Env): CashboxSandboxConfig | Disabled {
  const g = group(e, ['SANDBOX_CASHBOX_SHOP_ID', 'SANDBOX_CASHBOX_SECRET_KEY']);
  if (!g.ok) return { missing: g.missing };
  return Object.freeze({
    shopId: g.values.SANDBOX_CASHBOX_SHOP_ID,
    secretKey: new Secret(g.values.SANDBOX_CASHBOX_SECRET_KEY),
  });
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): SandboxConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    httpPort: e.HTTP_PORT,
    httpHost: e.HTTP_HOST,
    ...metricsConfig(e),
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.HTTP_HOST}:${e.HTTP_PORT}`).replace(
      /\/+$/,
      '',
    ),
    logLevel: e.LOG_LEVEL,
    httpTimeoutMs: e.SANDBOX_HTTP_TIMEOUT_MS,
    callbacks: Object.freeze({
      attempts: e.SANDBOX_CALLBACK_ATTEMPTS,
      backoffMs: e.SANDBOX_CALLBACK_BACKOFF_MS,
    }),
    webmoney: Object.freeze({
      secretKey: new Secret(e.SANDBOX_WEBMONEY_SECRET_KEY),
      hashAlgorithm: e.SANDBOX_WEBMONEY_HASH,
      x20Secret:
        e.SANDBOX_WEBMONEY_X20_SECRET === undefined
          ? undefined
          : new Secret(e.SANDBOX_WEBMONEY_X20_SECRET),
      mode: e.SANDBOX_WEBMONEY_MODE,
      notifyAttempts: e.SANDBOX_WEBMONEY_NOTIFY_ATTEMPTS,
      notifyBackoffMs: e.SANDBOX_WEBMONEY_NOTIFY_BACKOFF_MS,
    }),
    intellectmoney: intellectmoney(e),
    paykassma: paykassma(e),
    qr: qr(e),
    cashbox: cashbox(e),
  });
}
