/**
 * The shared sets of variables an app's config.ts spreads into its schema
 * (`...grpcServerEnv(50051),`, `...kafkaEnv({ groupId: 'notifier' }),`), taken from libs/config
 * itself so the names cannot drift from what the apps parse. check.ts and graph.ts read config.ts
 * as text; a spread is how they learn the names it does not spell out.
 */
import {
  grpcClientEnv,
  grpcServerEnv,
  kafkaEnv,
  kafkaSecurityEnv,
  metricsEnv,
  migrateEnv,
} from '@tolem/config';

export const SHARED_ENV: Record<string, Record<string, { isOptional(): boolean }>> = {
  grpcServerEnv: grpcServerEnv(0),
  grpcClientEnv: grpcClientEnv(),
  metricsEnv: metricsEnv(),
  migrateEnv: migrateEnv(),
  kafkaEnv: kafkaEnv({ groupId: 'any' }),
  kafkaSecurityEnv: kafkaSecurityEnv(),
};

/** A spread `...<name>Env(` at the start of a line: the set's name, or undefined. */
export function sharedEnvSpread(line: string): string | undefined {
  return /^\s+\.\.\.(\w+Env)\(/.exec(line)?.[1];
}

/** The names a config.ts source reads through its spreads of known shared sets. */
export function sharedEnvNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const line of source.split('\n')) {
    const set = SHARED_ENV[sharedEnvSpread(line) ?? ''];
    for (const name of Object.keys(set ?? {})) names.add(name);
  }
  return names;
}
