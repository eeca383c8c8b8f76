import { describe, expect, it } from 'vitest';

import { loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the defaults and keeps the secret out of JSON', () => {
    const config = loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'wm-secret' });
    expect(config).toMatchObject({
      httpPort: 8090,
      httpHost: '127.0.0.1',
      publicBaseUrl: 'http://127.0.0.1:8090',
      webmoney: { hashAlgorithm: 'sha256', mode: '1', notifyAttempts: 4, notifyBackoffMs: 250 },
    });
    expect(config.webmoney.x20Secret).toBeUndefined();
    expect(config.webmoney.secretKey.reveal()).toBe('wm-secret');
    expect(JSON.stringify(config)).not.toContain('wm-secret');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      HTTP_PORT: '9100',
      HTTP_HOST: '0.0.0.0',
      PUBLIC_BASE_URL: 'https://sandbox.example/',
      SANDBOX_WEBMONEY_SECRET_KEY: 'k',
      SANDBOX_WEBMONEY_HASH: 'md5',
      SANDBOX_WEBMONEY_X20_SECRET: 'x20',
      SANDBOX_WEBMONEY_MODE: '0',
      SANDBOX_WEBMONEY_NOTIFY_ATTEMPTS: '2',
      SANDBOX_WEBMONEY_NOTIFY_BACKOFF_MS: '5',
      SANDBOX_HTTP_TIMEOUT_MS: '300',
    });
    expect(config).toMatchObject({
      httpPort: 9100,
      httpHost: '0.0.0.0',
      publicBaseUrl: 'https://sandbox.example',
      httpTimeoutMs: 300,
    });
    expect(config.webmoney).toMatchObject({
      hashAlgorithm: 'md5',
      mode: '0',
      notifyAttempts: 2,
      notifyBackoffMs: 5,
    });
    expect(config.webmoney.x20Secret?.reveal()).toBe('x20');
  });

  it('fails fast without the secret key, or with a bad hash or mode', () => {
    expect(() => loadConfig({})).toThrow(/SANDBOX_WEBMONEY_SECRET_KEY/);
    expect(() =>
      loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_WEBMONEY_HASH: 'sha1' }),
    ).toThrow(/SANDBOX_WEBMONEY_HASH/);
    expect(() =>
      loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_WEBMONEY_MODE: '2' }),
    ).toThrow(/SANDBOX_WEBMONEY_MODE/);
    expect(() => loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'x'.repeat(51) })).toThrow(
      /SANDBOX_WEBMONEY_SECRET_KEY/,
    );
  });
});
