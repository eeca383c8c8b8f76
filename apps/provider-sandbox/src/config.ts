import { envs, parseEnv, Secret } from '@tolem/config';
import { z } from 'zod';

import type { WebmoneySandboxConfig } from './providers/webmoney';

const schema = z.object({
  HTTP_PORT: envs.port(8090),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** The sandbox's own base URL as browsers see it; defaults to http://HTTP_HOST:HTTP_PORT. */
  PUBLIC_BASE_URL: envs.url().optional(),
  LOG_LEVEL: envs.logLevel(),
  /** Timeout of every call the sandbox makes to a merchant (Tolem) URL. */
  SANDBOX_HTTP_TIMEOUT_MS: envs.durationMs(10_000),

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
});

export interface SandboxConfig {
  httpPort: number;
  httpHost: string;
  publicBaseUrl: string;
  logLevel: string;
  httpTimeoutMs: number;
  webmoney: WebmoneySandboxConfig;
}

/** The only reader of process.env in this service. */
export function loadConfig(env: Record<string, string | undefined> = process.env): SandboxConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    httpPort: e.HTTP_PORT,
    httpHost: e.HTTP_HOST,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.HTTP_HOST}:${e.HTTP_PORT}`).replace(
      /\/+$/,
      '',
    ),
    logLevel: e.LOG_LEVEL,
    httpTimeoutMs: e.SANDBOX_HTTP_TIMEOUT_MS,
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
  });
}
