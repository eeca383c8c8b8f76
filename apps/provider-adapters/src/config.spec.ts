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

  it('refuses a WebMoney mode of the other environment: test keys never move real money', () => {
    expect(() => loadConfig({ ...env, WEBMONEY_MODE: '0' })).toThrow(
      /WEBMONEY_MODE: 0 does not fit PROVIDER_ENVIRONMENT sandbox/,
    );
    expect(() => loadConfig({ ...env, PROVIDER_ENVIRONMENT: 'live' })).toThrow(
      /WEBMONEY_MODE: 1 does not fit PROVIDER_ENVIRONMENT live/,
    );
    const live = loadConfig({ ...env, PROVIDER_ENVIRONMENT: 'live', WEBMONEY_MODE: '0' });
    expect(live).toMatchObject({ providerEnvironment: 'live', webmoney: { mode: '0' } });
  });

  it('leaves IntellectMoney, Paykassma and QR off when none of their variables is set', () => {
    const c = loadConfig(env);
    expect(c.intellectmoney).toBeUndefined();
    expect(c.paykassma).toBeUndefined();
    expect(c.qrAcquirer).toBeUndefined();
  });

  it('configures each provider from its complete group, with defaults', () => {
    const c = loadConfig({
      ...env,
      INTELLECTMONEY_PAYMENT_URL: 'http://127.0.0.1:8090/intellectmoney/ru/',
      INTELLECTMONEY_API_URL: 'http://127.0.0.1:8090/intellectmoney/',
      INTELLECTMONEY_ESHOP_ID: '450000',
      INTELLECTMONEY_SECRET_KEY: 'im-secret',
      INTELLECTMONEY_BEARER_TOKEN: 'im-bearer',
      INTELLECTMONEY_SIGN_SECRET: 'im-sign',
      PAYKASSMA_PLUGIN_URL: 'http://127.0.0.1:8090/paykassma/plugin/',
      PAYKASSMA_API_URL: 'http://127.0.0.1:8090/paykassma',
      PAYKASSMA_PLUGIN_API_SECRET: 'pk-plugin',
      PAYKASSMA_POSTBACK_ACCESS_KEY: 'pk-access',
      PAYKASSMA_POSTBACK_PRIVATE_KEY: 'pk-private',
      QR_ACQUIRER_SECRETS: 'mbank:mbank-secret,bakai:bakai-secret',
    });
    expect(c.intellectmoney).toMatchObject({
      apiUrl: 'http://127.0.0.1:8090/intellectmoney',
      eshopId: '450000',
      resultUrl: 'https://pay.test/callbacks/intellectmoney',
      userToken: undefined,
    });
    expect(c.intellectmoney?.hashOrder.join('::')).toMatch(
      /^eshopId::orderId::serviceName::eshopAccount/,
    );
    expect(c.paykassma).toMatchObject({ apiUrl: 'http://127.0.0.1:8090/paykassma', lang: 'en' });
    expect(c.qrAcquirer?.maxSkewMs).toBe(300_000);
    expect([...(c.qrAcquirer?.secrets.keys() ?? [])]).toEqual(['mbank', 'bakai']);
    const text = JSON.stringify(c);
    for (const secret of [
      'im-secret',
      'im-bearer',
      'im-sign',
      'pk-plugin',
      'pk-private',
      'mbank-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('fails fast on a half-configured provider and on a bad hash order', () => {
    expect(() => loadConfig({ ...env, INTELLECTMONEY_ESHOP_ID: '450000' })).toThrow(
      /INTELLECTMONEY_SECRET_KEY: required when INTELLECTMONEY_ESHOP_ID is set/,
    );
    expect(() => loadConfig({ ...env, PAYKASSMA_API_URL: 'http://x.test' })).toThrow(
      /PAYKASSMA_POSTBACK_PRIVATE_KEY/,
    );
    expect(() => loadConfig({ ...env, INTELLECTMONEY_HASH_ORDER: 'eshopId::orderId' })).toThrow(
      /INTELLECTMONEY_HASH_ORDER/,
    );
    expect(() => loadConfig({ ...env, QR_ACQUIRER_SECRETS: 'mbank' })).toThrow(
      /QR_ACQUIRER_SECRETS/,
    );
  });

  it('lets the migrate job run with only DATABASE_URL', () => {
    expect(loadMigrateConfig({ DATABASE_URL: env.DATABASE_URL }).databaseUrl.reveal()).toBe(
      env.DATABASE_URL,
    );
  });
});
