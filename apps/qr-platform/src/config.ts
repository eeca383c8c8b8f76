import {
  envs,
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

import { ELQR_DEFAULT_LINK_BASE_URL, ELQR_LIMITS, hasAstralCharacters } from './domain/elqr';
import type { QrIssuer } from './domain/qr-code';

const elqrText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(
      (v) => !hasAstralCharacters(v),
      'characters outside the BMP (emoji) are not allowed in ELQR',
    );

const schema = z.object({
  DATABASE_URL: envs.url(),
  ...kafkaEnv({ groupId: 'qr-platform' }),
  ...grpcServerEnv(50056),
  ...metricsEnv(),
  LOG_LEVEL: envs.logLevel(),
  ...migrateEnv(),
  /** Base of payment links; the payload follows `#`. The national router by default. */
  QR_LINK_BASE_URL: envs
    .url()
    .refine((v) => !v.includes('#'), 'must not contain "#"')
    .default(ELQR_DEFAULT_LINK_BASE_URL),
  /** ELQR 32/00: the domain naming Tolem as the provider. */
  QR_PROVIDER_ID: elqrText(ELQR_LIMITS.providerId).default('tolem.kg'),
  /** ELQR 32/01; unset omits it (33/00, the merchant id, routes the payment). */
  QR_SERVICE_CODE: elqrText(ELQR_LIMITS.serviceCode).optional(),
  /**
   * ELQR 52. 4829 (money transfer) is what payment aggregators such as Finik emit in the public
   * vectors, i.e. what Kyrgyz bank apps accept for a PSP collecting for many merchants.
   */
  QR_MCC: z
    .string()
    .regex(/^\d{4}$/, 'expected four digits')
    .default('4829'),
  /** ELQR 59 when the request names no merchant (or nothing of its name fits ELQR). */
  QR_MERCHANT_DISPLAY_NAME: elqrText(ELQR_LIMITS.name).default('Tolem'),
});

export interface QrPlatformConfig extends GrpcServerConfig, MetricsConfig, KafkaConfig {
  databaseUrl: Secret;
  logLevel: string;
  migrateOnStart: boolean;
  issuer: QrIssuer;
}

/** The only reader of process.env in this service. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): QrPlatformConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ...kafkaConfig(e),
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    issuer: Object.freeze({
      providerId: e.QR_PROVIDER_ID,
      serviceCode: e.QR_SERVICE_CODE,
      mcc: e.QR_MCC,
      displayName: e.QR_MERCHANT_DISPLAY_NAME,
      linkBaseUrl: e.QR_LINK_BASE_URL,
    }),
  });
}

/** The migrate Job needs only the database. */
export function loadDbConfig(env: Record<string, string | undefined> = process.env): {
  databaseUrl: Secret;
} {
  const e = parseEnv(z.object({ DATABASE_URL: envs.url() }), env);
  return Object.freeze({ databaseUrl: new Secret(e.DATABASE_URL) });
}
