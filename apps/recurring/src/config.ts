import { envs, parseEnv, Secret } from '@tolem/config';
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: envs.url(),
  GRPC_PORT: envs.port(50055),
  GRPC_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: envs.logLevel(),
  /** Local runs migrate at start; in Kubernetes a Job runs `migrate` before rollout. */
  MIGRATE_ON_START: envs.bool(false),
});

export interface RecurringConfig {
  databaseUrl: Secret;
  grpcPort: number;
  grpcHost: string;
  logLevel: string;
  migrateOnStart: boolean;
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
  });
}
