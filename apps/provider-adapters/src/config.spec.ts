import { describe, expect, it } from 'vitest';

import { loadConfig, loadMigrateConfig } from './config';

const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/provider_adapters',
  CALLBACK_BASE_URL: 'https://pay.test/callbacks/',
  WEBMONEY_MERCHANT_URL: 'http://127.0.0.1:8090/webmoney/lmi/payment_utf.asp',
  WEBMONEY_PURSES: 'USD:Z145179295679,EUR:E145179295670',
  WEBMONEY_SECRET_KEY: 'k',
};

describe('loadConfig', () => {
  it('applies defaults and derives the WebMoney Result URL', () => {
    const c = loadConfig(env);
    expect(c.grpcPort).toBe(50052);
    expect(c.webmoney).toMatchObject({
      resultUrl: 'https://pay.test/callbacks/webmoney',
      mode: '1',
      requireHash2: true,
      allowSignHash: false,
      x20Secret: undefined,
    });
    expect(c.webmoney.purses.get('EUR')).toBe('E145179295670');
    expect(JSON.stringify(c)).not.toContain('"k"');
    expect(Object.isFrozen(c.webmoney)).toBe(true);
  });

  it('fails fast naming bad variables', () => {
    expect(() => loadConfig({ ...env, WEBMONEY_PURSES: 'USD:R145179295679' })).toThrow(
      /WEBMONEY_PURSES/,
    );
    expect(() => loadConfig({ ...env, WEBMONEY_MODE: '2' })).toThrow(/WEBMONEY_MODE/);
    expect(() => loadConfig({ ...env, WEBMONEY_SECRET_KEY: '' })).toThrow(/WEBMONEY_SECRET_KEY/);
  });

  it('lets the migrate job run with only DATABASE_URL', () => {
    expect(loadMigrateConfig({ DATABASE_URL: env.DATABASE_URL }).databaseUrl.reveal()).toBe(
      env.DATABASE_URL,
    );
  });
});
