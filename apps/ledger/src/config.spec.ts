import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://ledger@127.0.0.1:5432/ledger',
  KAFKA_BROKERS: 'k1:9093, k2:9093',
  GRPC_INSECURE: 'true',
};

describe('ledger loadConfig: Kafka', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-config-'));
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('produces in plaintext unless told otherwise', () => {
    const config = loadConfig(base);
    expect(config.kafkaBrokers).toEqual(['k1:9093', 'k2:9093']);
    expect(config.kafkaSecurity).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('reads SASL_SSL with its CA and SCRAM credentials', () => {
    const config = loadConfig({
      ...base,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_TLS_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ledger',
      KAFKA_SASL_PASSWORD: 'ledger-pw',
    });
    expect(config.kafkaSecurity.protocol).toBe('SASL_SSL');
    expect(config.kafkaSecurity.tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(config.kafkaSecurity.sasl?.username).toBe('ledger');
    expect(config.kafkaSecurity.sasl?.password.reveal()).toBe('ledger-pw');
  });

  it('refuses to start with credentials a plaintext connection would ignore', () => {
    expect(() =>
      loadConfig({ ...base, KAFKA_SASL_USERNAME: 'ledger', KAFKA_SASL_PASSWORD: 'ledger-pw' }),
    ).toThrow(/KAFKA_SASL_USERNAME: set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT/);
  });

  it('names a CA file it cannot read, and never echoes the password', () => {
    let message = '';
    try {
      loadConfig({
        ...base,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_TLS_CA_FILE: join(dir, 'missing.crt'),
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'ledger',
        KAFKA_SASL_PASSWORD: 'ledger-pw',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`KAFKA_TLS_CA_FILE: ${join(dir, 'missing.crt')} is missing`);
    expect(message).not.toContain('ledger-pw');
  });
});
