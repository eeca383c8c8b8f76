import { z } from 'zod';

import { envs } from './env';

/**
 * METRICS_PORT's default, the same in every service: each runs in a pod of its own, and the
 * deploy check holds every Deployment's `metrics` containerPort to it.
 */
export const METRICS_DEFAULT_PORT = 9464;

/**
 * The Prometheus endpoint's variables every service reads, to spread into its env schema:
 * `z.object({ ...metricsEnv(), … })`.
 */
export const metricsEnv = () => ({
  /** Prometheus scrapes GET /metrics on this port of its own (0 turns the endpoint off). */
  METRICS_PORT: envs.port(METRICS_DEFAULT_PORT),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

/** The parsed metrics variables (what `parseEnv` returns for a schema spreading metricsEnv). */
export type MetricsEnv = z.infer<z.ZodObject<ReturnType<typeof metricsEnv>>>;

/** Where a service serves GET /metrics (libs/metrics' server takes both). */
export interface MetricsConfig {
  metricsPort: number;
  metricsHost: string;
}

/** Maps the parsed metrics variables into a service's config (spread it into the result). */
export function metricsConfig(e: MetricsEnv): MetricsConfig {
  return { metricsPort: e.METRICS_PORT, metricsHost: e.METRICS_HOST };
}

/**
 * MIGRATE_ON_START, read by every service with a database, to spread into its env schema:
 * `z.object({ ...migrateEnv(), … })`.
 */
export const migrateEnv = () => ({
  /** Local runs migrate at start; in Kubernetes a Job runs `migrate` before rollout. */
  MIGRATE_ON_START: envs.bool(false),
});
