import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  kafkaConfig,
  kafkaEnv,
  kafkaProblems,
  kafkaSecurityEnv,
  kafkaSecurityOf,
  parseEnv,
  Secret,
  splitBrokers,
} from './index';

/** A ConfigError listing exactly `problems`. */
const configError = (problems: unknown[]) =>
  expect.objectContaining({ name: 'ConfigError', problems });

describe('splitBrokers', () => {
  it('trims each broker and drops empty entries', () => {
    expect(splitBrokers(' a:1, b:2 ,')).toEqual(['a:1', 'b:2']);
    expect(splitBrokers('k:9092')).toEqual(['k:9092']);
  });

  it('finds no broker in commas and blanks', () => {
    expect(splitBrokers(' , ,')).toEqual([]);
    expect(splitBrokers('')).toEqual([]);
  });
});

describe('kafkaEnv / kafkaConfig', () => {
  const schema = z.object({ ...kafkaEnv({ groupId: 'reporting' }) });
  const load = (env: Record<string, string | undefined>) => kafkaConfig(parseEnv(schema, env));

  it("defaults to the payments topic and the service's own consumer group", () => {
    expect(load({ KAFKA_BROKERS: 'k:9092' })).toEqual({
      kafkaBrokers: ['k:9092'],
      paymentsTopic: 'payments.events.v1',
      groupId: 'reporting',
      kafkaSecurity: { protocol: 'PLAINTEXT' },
    });
  });

  it('maps every variable that is set, splitting the broker list', () => {
    expect(
      load({ KAFKA_BROKERS: ' a:1, b:2 ,', PAYMENTS_TOPIC: 'p.v2', KAFKA_GROUP_ID: 'it-1' }),
    ).toEqual({
      kafkaBrokers: ['a:1', 'b:2'],
      paymentsTopic: 'p.v2',
      groupId: 'it-1',
      kafkaSecurity: { protocol: 'PLAINTEXT' },
    });
  });

  it("keeps each service's consumer group apart", () => {
    const other = z.object({ ...kafkaEnv({ groupId: 'notifier' }) });
    expect(kafkaConfig(parseEnv(other, { KAFKA_BROKERS: 'k:9092' })).groupId).toBe('notifier');
  });

  it('requires KAFKA_BROKERS, naming it', () => {
    expect(() => load({})).toThrow(configError([expect.stringMatching(/^KAFKA_BROKERS:/)]));
  });

  it.each([
    ['KAFKA_BROKERS', ''],
    ['PAYMENTS_TOPIC', ''],
    ['KAFKA_GROUP_ID', ''],
  ])('refuses an empty %s, naming it', (name) => {
    expect(() => load({ KAFKA_BROKERS: 'k:9092', [name]: '' })).toThrow(
      configError([expect.stringMatching(new RegExp(`^${name}:`))]),
    );
  });

  it('refuses a broker list of only commas and blanks after parsing, naming KAFKA_BROKERS', () => {
    const e = parseEnv(schema, { KAFKA_BROKERS: ' , ' });
    expect(kafkaProblems(e)).toEqual(['KAFKA_BROKERS: expected host:port[,host:port…]']);
    expect(() => kafkaConfig(e)).toThrow(
      configError(['KAFKA_BROKERS: expected host:port[,host:port…]']),
    );
  });

  it('has no problem with a list holding a broker', () => {
    expect(kafkaProblems(parseEnv(schema, { KAFKA_BROKERS: ',k:9092' }))).toEqual([]);
  });
});

describe('kafkaSecurityOf', () => {
  const schema = z.object({ ...kafkaSecurityEnv() });
  const PEM = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
  const files: Record<string, string> = {
    '/tls/ca.crt': PEM('CERTIFICATE'),
    '/tls/user.crt': PEM('CERTIFICATE'),
    '/tls/user.key': PEM('PRIVATE KEY'),
    '/tls/empty.crt': '',
  };
  const read = (file: string) => {
    const text = files[file];
    if (text === undefined) throw new Error(`ENOENT: ${file}`);
    return text;
  };
  const of = (env: Record<string, string>) => kafkaSecurityOf(parseEnv(schema, env), read);
  const SCRAM = {
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'notifier',
    KAFKA_SASL_PASSWORD: 's3cret-pw',
  };

  it('is PLAINTEXT with nothing set', () => {
    expect(of({})).toEqual({ security: { protocol: 'PLAINTEXT' }, problems: [] });
  });

  it('reads SASL_SSL with a CA and SCRAM credentials, the password kept a Secret', () => {
    const { security, problems } = of({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_TLS_CA_FILE: '/tls/ca.crt',
      ...SCRAM,
    });
    expect(problems).toEqual([]);
    expect(security).toEqual({
      protocol: 'SASL_SSL',
      tls: { ca: files['/tls/ca.crt'] },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'notifier', password: expect.any(Secret) },
    });
    expect(security?.sasl?.password.reveal()).toBe('s3cret-pw');
    expect(JSON.stringify(security)).not.toContain('s3cret-pw');
  });

  it("trusts the system's CAs when no CA file is given", () => {
    expect(of({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).security).toEqual({ protocol: 'SSL', tls: {} });
  });

  it('reads a client certificate and its key (mTLS), the key kept a Secret', () => {
    const { security } = of({
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_TLS_CA_FILE: '/tls/ca.crt',
      KAFKA_TLS_CERT_FILE: '/tls/user.crt',
      KAFKA_TLS_KEY_FILE: '/tls/user.key',
    });
    expect(security?.tls?.cert).toBe(files['/tls/user.crt']);
    expect(security?.tls?.key?.reveal()).toBe(files['/tls/user.key']);
    expect(JSON.stringify(security)).not.toContain('PRIVATE KEY');
  });

  it('refuses credentials the protocol would ignore, rather than connecting in the clear', () => {
    expect(of(SCRAM).problems).toEqual([
      'KAFKA_SASL_MECHANISM: set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL (SASL_SSL does)',
      'KAFKA_SASL_USERNAME: set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL (SASL_SSL does)',
      'KAFKA_SASL_PASSWORD: set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL (SASL_SSL does)',
    ]);
    expect(of({ KAFKA_TLS_CA_FILE: '/tls/ca.crt' }).problems).toEqual([
      'KAFKA_TLS_CA_FILE: set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no TLS (SSL and SASL_SSL do)',
    ]);
    expect(of({ KAFKA_SECURITY_PROTOCOL: 'SSL', ...SCRAM }).security).toBeUndefined();
  });

  it('names each credential SASL needs and is missing', () => {
    expect(of({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u' }).problems).toEqual([
      'KAFKA_SASL_MECHANISM: required when KAFKA_SECURITY_PROTOCOL=SASL_SSL',
      'KAFKA_SASL_PASSWORD: required when KAFKA_SECURITY_PROTOCOL=SASL_SSL',
    ]);
  });

  it('refuses PLAIN without TLS (the password in the clear) but takes SCRAM there', () => {
    expect(
      of({ ...SCRAM, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN' })
        .problems,
    ).toEqual([
      'KAFKA_SASL_MECHANISM: PLAIN would send the password in the clear over SASL_PLAINTEXT; use SASL_SSL or SCRAM',
    ]);
    expect(of({ ...SCRAM, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' }).security).toEqual({
      protocol: 'SASL_PLAINTEXT',
      sasl: expect.objectContaining({ mechanism: 'SCRAM-SHA-512' }),
    });
    expect(
      of({ ...SCRAM, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN' }).problems,
    ).toEqual([]);
  });

  it('refuses half a client certificate', () => {
    expect(
      of({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: '/tls/user.crt' }).problems,
    ).toEqual([
      'KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE: set both (a client certificate) or neither',
    ]);
  });

  it('names an unreadable file or one without PEM, never its contents', () => {
    expect(
      of({
        KAFKA_SECURITY_PROTOCOL: 'SSL',
        KAFKA_TLS_CA_FILE: '/tls/missing.crt',
        KAFKA_TLS_CERT_FILE: '/tls/empty.crt',
        KAFKA_TLS_KEY_FILE: '/tls/user.key',
      }).problems,
    ).toEqual([
      'KAFKA_TLS_CA_FILE: /tls/missing.crt is missing or not readable',
      'KAFKA_TLS_CERT_FILE: /tls/empty.crt holds no PEM block',
    ]);
  });

  it('refuses an unknown protocol or mechanism, naming it', () => {
    expect(() => of({ KAFKA_SECURITY_PROTOCOL: 'TLS' })).toThrow(
      configError([expect.stringMatching(/^KAFKA_SECURITY_PROTOCOL:/)]),
    );
    expect(() =>
      of({ ...SCRAM, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'GSSAPI' }),
    ).toThrow(configError([expect.stringMatching(/^KAFKA_SASL_MECHANISM:/)]));
  });

  it("is part of a consumer's kafkaConfig, its problems reported with the brokers'", () => {
    const consumer = z.object({ ...kafkaEnv({ groupId: 'notifier' }) });
    const e = parseEnv(consumer, { KAFKA_BROKERS: ' , ', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' });
    expect(kafkaProblems(e)).toEqual([
      'KAFKA_BROKERS: expected host:port[,host:port…]',
      'KAFKA_SASL_MECHANISM: required when KAFKA_SECURITY_PROTOCOL=SASL_SSL',
      'KAFKA_SASL_USERNAME: required when KAFKA_SECURITY_PROTOCOL=SASL_SSL',
      'KAFKA_SASL_PASSWORD: required when KAFKA_SECURITY_PROTOCOL=SASL_SSL',
    ]);
    expect(() => kafkaConfig(e)).toThrow(configError(kafkaProblems(e)));
  });
});
