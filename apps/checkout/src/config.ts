import {
  envs,
  grpcClientEnv,
  type GrpcClientTls,
  grpcClientTls,
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

import type { PayerAttemptLimits } from './domain/payer-attempts';

const attemptLimit = (fallback: number) =>
  z.coerce.number().int().min(1).max(100).default(fallback);

const schema = z.object({
  DATABASE_URL: envs.url(),
  ...grpcServerEnv(50051),
  ...metricsEnv(),
  LOG_LEVEL: envs.logLevel(),
  ...migrateEnv(),
  PROVIDER_ADAPTERS_ADDR: envs.address().default('127.0.0.1:50052'),
  LEDGER_ADDR: envs.address().default('127.0.0.1:50053'),
  /** The recurring service: card bindings reported by card payment callbacks go there. */
  RECURRING_ADDR: envs.address().default('127.0.0.1:50055'),
  /** qr-platform: issues the ELQR code of a payment started with method qr. */
  QR_PLATFORM_ADDR: envs.address().default('127.0.0.1:50056'),
  /** The notifier: onboarding hands it each merchant's webhook endpoint. */
  NOTIFIER_ADDR: envs.address().default('127.0.0.1:50054'),
  /** How often onboarding steps a peer has not taken yet (it was down) are re-sent; 0 disables. */
  ONBOARDING_SWEEP_MS: envs.durationMs(5_000),
  /** How long a created payment may be paid: 24 hours unless set. */
  PAYMENT_TTL_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 60 * 60 * 1000),
  /**
   * The shortest expiry a merchant's dynamic QR code may have (CreateQrPayment): a payer needs
   * about a minute to scan and confirm. Tests shorten it to see a late confirmation quickly.
   */
  QR_MIN_EXPIRY_MS: z.coerce.number().int().min(1_000).default(60_000),
  /**
   * How long a payment create reuses a merchant it read (methods, default URLs): a change to a
   * merchant reaches creates within this long; 0 reads the merchant on every create.
   */
  MERCHANT_CACHE_TTL_MS: envs.durationMs(5_000),
  /** How often succeeded payments the ledger has not acknowledged are re-posted; 0 disables. */
  LEDGER_SWEEP_MS: envs.durationMs(2_000),
  /**
   * How often status events the ledger has not acknowledged are re-sent (they are sent at once
   * after each transition; this covers a ledger that was down); 0 disables.
   */
  STATUS_EVENT_SWEEP_MS: envs.durationMs(1_000),
  /** How often overdue created/pending payments are marked expired; 0 disables. */
  PAYMENT_EXPIRY_SWEEP_MS: envs.durationMs(10_000),
  /** How often card bindings the recurring service has not acknowledged are re-sent; 0 disables. */
  CARD_BINDING_SWEEP_MS: envs.durationMs(5_000),
  /**
   * How often the reconciler compares provider-adapters' settled transactions with payments and
   * asks providers about payments pending too long; 0 disables (`npm run reconcile` still works).
   */
  RECONCILE_SWEEP_MS: envs.durationMs(60_000),
  /**
   * Money settled or a payment changed this recently is left to its callback in flight; longer
   * than any callback's round trip through the adapters, the ledger and back.
   */
  RECONCILE_GRACE_MS: envs.durationMs(30_000),
  /** A payment pending this long is asked of its provider (where it has a status query). */
  RECONCILE_PENDING_QUERY_AFTER_MS: envs.durationMs(15 * 60 * 1000),
  /**
   * A refund step (ledger start, provider refund, ledger end) interrupted this long ago is taken
   * again by the sweeper; longer than a provider call plus a ledger call, so a step still in
   * flight from its request is left alone. The sweeper runs every LEDGER_SWEEP_MS.
   */
  REFUND_SWEEP_GRACE_MS: envs.durationMs(20_000),
  /** Wavepay transaction numbers the provider may refuse per payment before Wavepay is locked. */
  PAYER_ATTEMPT_LIMIT_WAVEPAY: attemptLimit(5),
  /** WM Keeper Mobile starts (each pushes an invoice to a phone) per payment before the lock. */
  PAYER_ATTEMPT_LIMIT_KEEPER_MOBILE: attemptLimit(3),
});

export interface CheckoutConfig extends GrpcServerConfig, MetricsConfig {
  databaseUrl: Secret;
  logLevel: string;
  migrateOnStart: boolean;
  providerAdaptersAddr: string;
  ledgerAddr: string;
  recurringAddr: string;
  qrPlatformAddr: string;
  notifierAddr: string;
  onboardingSweepMs: number;
  paymentTtlMs: number;
  qrMinExpiryMs: number;
  merchantCacheTtlMs: number;
  ledgerSweepMs: number;
  statusEventSweepMs: number;
  paymentExpirySweepMs: number;
  cardBindingSweepMs: number;
  reconcileSweepMs: number;
  reconcileGraceMs: number;
  reconcilePendingQueryAfterMs: number;
  refundSweepGraceMs: number;
  payerAttemptLimits: PayerAttemptLimits;
}

/** The only reader of process.env in this service (with loadCasesToolConfig). */
export function loadConfig(env: Record<string, string | undefined> = process.env): CheckoutConfig {
  const e = parseEnv(schema, env);
  return Object.freeze({
    databaseUrl: new Secret(e.DATABASE_URL),
    ...grpcServerConfig(e),
    ...metricsConfig(e),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    providerAdaptersAddr: e.PROVIDER_ADAPTERS_ADDR,
    ledgerAddr: e.LEDGER_ADDR,
    recurringAddr: e.RECURRING_ADDR,
    qrPlatformAddr: e.QR_PLATFORM_ADDR,
    notifierAddr: e.NOTIFIER_ADDR,
    onboardingSweepMs: e.ONBOARDING_SWEEP_MS,
    paymentTtlMs: e.PAYMENT_TTL_MS,
    qrMinExpiryMs: e.QR_MIN_EXPIRY_MS,
    merchantCacheTtlMs: e.MERCHANT_CACHE_TTL_MS,
    ledgerSweepMs: e.LEDGER_SWEEP_MS,
    statusEventSweepMs: e.STATUS_EVENT_SWEEP_MS,
    paymentExpirySweepMs: e.PAYMENT_EXPIRY_SWEEP_MS,
    cardBindingSweepMs: e.CARD_BINDING_SWEEP_MS,
    reconcileSweepMs: e.RECONCILE_SWEEP_MS,
    reconcileGraceMs: e.RECONCILE_GRACE_MS,
    reconcilePendingQueryAfterMs: e.RECONCILE_PENDING_QUERY_AFTER_MS,
    refundSweepGraceMs: e.REFUND_SWEEP_GRACE_MS,
    payerAttemptLimits: Object.freeze({
      wavepay: e.PAYER_ATTEMPT_LIMIT_WAVEPAY,
      webmoney_keeper_mobile: e.PAYER_ATTEMPT_LIMIT_KEEPER_MOBILE,
    }),
  });
}

/**
 * An operators' tool calling checkout as the `operator` identity: checkout's address, the deadline
 * of each call (each tool its own) and the operator's certificate.
 */
const checkoutToolSchema = (deadlineMs: number) =>
  z.object({
    /** Checkout's gRPC address; the default is checkout's own default GRPC_PORT on this host. */
    CHECKOUT_ADDR: envs.address().default('127.0.0.1:50051'),
    GRPC_DEADLINE_MS: z.coerce.number().int().min(1).default(deadlineMs),
    /** The operator's certificate: checkout accepts only mTLS callers. */
    ...grpcClientEnv(),
  });

export interface CasesToolConfig {
  checkoutAddr: string;
  deadlineMs: number;
  /** GRPC_TLS_DIR / GRPC_INSECURE: the tools call as the `operator` identity. */
  grpcTls: GrpcClientTls;
}

function loadCheckoutToolConfig(
  deadlineMs: number,
  env: Record<string, string | undefined>,
): CasesToolConfig {
  const e = parseEnv(checkoutToolSchema(deadlineMs), env);
  return Object.freeze({
    checkoutAddr: e.CHECKOUT_ADDR,
    deadlineMs: e.GRPC_DEADLINE_MS,
    grpcTls: grpcClientTls(e),
  });
}

/** Configuration of the operators' `npm run cases` tool (with loadConfig, the env's only reader). */
export function loadCasesToolConfig(
  env: Record<string, string | undefined> = process.env,
): CasesToolConfig {
  // An apply waits for the ledger, so its deadline is longer than a service's.
  return loadCheckoutToolConfig(15_000, env);
}

/** Configuration of `npm run reconcile` (with loadConfig, the env's only reader). */
export function loadReconcileToolConfig(
  env: Record<string, string | undefined> = process.env,
): CasesToolConfig {
  // A pass reads every page settled since the last one and asks providers: minutes, not seconds.
  return loadCheckoutToolConfig(300_000, env);
}
