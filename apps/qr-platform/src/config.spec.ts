import { describe, expect, it } from 'vitest';

import { loadConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/qr',
  KAFKA_BROKERS: '127.0.0.1:9092',
};

describe('loadConfig', () => {
  it('defaults to the national router, provider tolem.kg and MCC 4829', () => {
    const config = loadConfig(base);
    expect(config.grpcPort).toBe(50056);
    expect(config.migrateOnStart).toBe(false);
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.paymentsTopic).toBe('payments.events.v1');
    expect(config.groupId).toBe('qr-platform');
    expect(config.issuer).toEqual({
      providerId: 'tolem.kg',
      serviceCode: undefined,
      mcc: '4829',
      displayName: 'Tolem',
      linkBaseUrl: 'https://pay.payqr.kg/',
    });
    expect(JSON.stringify(config)).not.toContain('postgres://');
  });

  it('reads every QR setting', () => {
    const config = loadConfig({
      ...base,
      QR_LINK_BASE_URL: 'https://app.mbank.kg/qr/',
      QR_PROVIDER_ID: 'qr.tolem.kg',
      QR_SERVICE_CODE: 'shop',
      QR_MCC: '5812',
      QR_MERCHANT_DISPLAY_NAME: 'Төлөм',
    });
    expect(config.issuer).toEqual({
      providerId: 'qr.tolem.kg',
      serviceCode: 'shop',
      mcc: '5812',
      displayName: 'Төлөм',
      linkBaseUrl: 'https://app.mbank.kg/qr/',
    });
  });

  it('reads the brokers as a list and its own consumer group', () => {
    const config = loadConfig({
      ...base,
      KAFKA_BROKERS: ' a:1, b:2 ,',
      PAYMENTS_TOPIC: 't',
      KAFKA_GROUP_ID: 'qr-it',
    });
    expect(config.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(config.paymentsTopic).toBe('t');
    expect(config.groupId).toBe('qr-it');
  });

  it('fails fast without brokers', () => {
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow('KAFKA_BROKERS');
    expect(() => loadConfig({ ...base, KAFKA_BROKERS: ' , ' })).toThrow('KAFKA_BROKERS');
  });

  it.each([
    ['QR_MCC', '482'],
    ['QR_MERCHANT_DISPLAY_NAME', 'x'.repeat(26)],
    ['QR_MERCHANT_DISPLAY_NAME', 'Shop 🙂'],
    ['QR_PROVIDER_ID', 'p'.repeat(33)],
    ['QR_LINK_BASE_URL', 'https://pay.payqr.kg/#x'],
  ])('fails fast on a bad %s', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });
});
