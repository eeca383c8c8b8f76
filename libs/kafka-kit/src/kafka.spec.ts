import { Secret } from '@tolem/config';
import { describe, expect, it } from 'vitest';

import { kafkaSecurityOptions } from './kafka';

describe('kafkaSecurityOptions', () => {
  it('adds neither TLS nor SASL for PLAINTEXT (or no security at all)', () => {
    expect(kafkaSecurityOptions(undefined)).toEqual({});
    expect(kafkaSecurityOptions({ protocol: 'PLAINTEXT' })).toEqual({});
  });

  it("verifies the brokers against the system's CAs when no CA is configured", () => {
    expect(kafkaSecurityOptions({ protocol: 'SSL', tls: {} })).toEqual({
      ssl: { rejectUnauthorized: true },
    });
  });

  it('passes the CA, the client certificate and the revealed key to TLS', () => {
    expect(
      kafkaSecurityOptions({
        protocol: 'SSL',
        tls: { ca: 'CA', cert: 'CERT', key: new Secret('KEY') },
      }),
    ).toEqual({ ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' } });
  });

  it.each([
    ['SCRAM-SHA-512', 'scram-sha-512'],
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['PLAIN', 'plain'],
  ] as const)('names %s as kafkajs does (%s)', (mechanism, kafkajs) => {
    expect(
      kafkaSecurityOptions({
        protocol: 'SASL_SSL',
        tls: { ca: 'CA' },
        sasl: { mechanism, username: 'u', password: new Secret('p') },
      }),
    ).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['CA'] },
      sasl: { mechanism: kafkajs, username: 'u', password: 'p' },
    });
  });
});
