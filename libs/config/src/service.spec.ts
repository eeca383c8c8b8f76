import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { METRICS_DEFAULT_PORT, metricsConfig, metricsEnv, migrateEnv, parseEnv } from './index';

/** A ConfigError listing exactly `problems`. */
const configError = (problems: unknown[]) =>
  expect.objectContaining({ name: 'ConfigError', problems });

describe('metricsEnv / metricsConfig', () => {
  const schema = z.object({ ...metricsEnv() });
  const load = (env: Record<string, string | undefined>) => metricsConfig(parseEnv(schema, env));

  it('defaults to port 9464 on 127.0.0.1, the port every Deployment names metrics', () => {
    expect(METRICS_DEFAULT_PORT).toBe(9464);
    expect(load({})).toEqual({ metricsPort: 9464, metricsHost: '127.0.0.1' });
  });

  it('maps the port and host that are set, and port 0 (the endpoint off)', () => {
    expect(load({ METRICS_PORT: '9500', METRICS_HOST: '0.0.0.0' })).toEqual({
      metricsPort: 9500,
      metricsHost: '0.0.0.0',
    });
    expect(load({ METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  it.each([
    ['METRICS_PORT', '65536'],
    ['METRICS_PORT', '-1'],
    ['METRICS_PORT', '9464.5'],
    ['METRICS_PORT', 'metrics'],
    ['METRICS_HOST', ''],
  ])('refuses %s=%j, naming it', (name, value) => {
    expect(() => load({ [name]: value })).toThrow(
      configError([expect.stringMatching(new RegExp(`^${name}:`))]),
    );
  });
});

describe('migrateEnv', () => {
  const schema = z.object({ ...migrateEnv() });
  const load = (env: Record<string, string | undefined>) => parseEnv(schema, env).MIGRATE_ON_START;

  it('does not migrate unless asked (a Job runs migrate before rollout)', () => {
    expect(load({})).toBe(false);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads MIGRATE_ON_START=%s as %s', (value, expected) => {
    expect(load({ MIGRATE_ON_START: value })).toBe(expected);
  });

  it('refuses a MIGRATE_ON_START that is not a boolean, naming it', () => {
    expect(() => load({ MIGRATE_ON_START: 'yes' })).toThrow(
      configError([expect.stringMatching(/^MIGRATE_ON_START:/)]),
    );
  });
});
