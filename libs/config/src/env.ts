import { z } from 'zod';

import { Secret } from './secret';

/** Thrown at start-up when the environment is wrong; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment with a zod object schema and returns a frozen result, failing fast with
 * every missing or malformed variable named (values are never echoed: they may be secrets).
 */
export function parseEnv<S extends z.ZodObject<z.ZodRawShape>>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}

/** Common field types for env schemas. */
export const envs = {
  port: (fallback?: number) =>
    fallback === undefined
      ? z.coerce.number().int().min(0).max(65535)
      : z.coerce.number().int().min(0).max(65535).default(fallback),
  url: () => z.string().url(),
  secret: () => z.string().min(1).transform((v) => new Secret(v)),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** host:port of a gRPC peer. */
  address: () => z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'),
  durationMs: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
};
