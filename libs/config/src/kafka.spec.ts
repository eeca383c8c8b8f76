import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { kafkaConfig, kafkaEnv, kafkaProblems, parseEnv, splitBrokers } from './index';

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
    });
  });

  it('maps every variable that is set, splitting the broker list', () => {
    expect(
      load({ KAFKA_BROKERS: ' a:1, b:2 ,', PAYMENTS_TOPIC: 'p.v2', KAFKA_GROUP_ID: 'it-1' }),
    ).toEqual({ kafkaBrokers: ['a:1', 'b:2'], paymentsTopic: 'p.v2', groupId: 'it-1' });
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
