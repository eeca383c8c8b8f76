import { describe, expect, it } from 'vitest';

import { sharedEnvNames, sharedEnvSpread } from './shared-env';

describe('shared env sets', () => {
  it('finds a spread set at the start of a schema line, not elsewhere', () => {
    expect(sharedEnvSpread("  ...kafkaEnv({ groupId: 'notifier' }),")).toBe('kafkaEnv');
    expect(sharedEnvSpread('  ...grpcServerEnv(50051),')).toBe('grpcServerEnv');
    expect(sharedEnvSpread('    ...metricsConfig(e),')).toBeUndefined();
    expect(sharedEnvSpread('const x = { ...metricsEnv() };')).toBeUndefined();
  });

  it('names the variables of every known set a config.ts spreads, and none of an unknown one', () => {
    const source = [
      'const schema = z.object({',
      '  DATABASE_URL: envs.url(),',
      "  ...kafkaEnv({ groupId: 'reporting' }),",
      '  ...metricsEnv(),',
      '  ...migrateEnv(),',
      '  ...madeUpEnv(),',
      '});',
    ].join('\n');
    expect([...sharedEnvNames(source)].sort()).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_GROUP_ID',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SECURITY_PROTOCOL',
      'KAFKA_TLS_CA_FILE',
      'KAFKA_TLS_CERT_FILE',
      'KAFKA_TLS_KEY_FILE',
      'METRICS_HOST',
      'METRICS_PORT',
      'MIGRATE_ON_START',
      'PAYMENTS_TOPIC',
    ]);
  });
});
