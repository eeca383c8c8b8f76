import { describe, expect, it } from 'vitest';

import { isDisabled, loadConfig } from './config';
import { INVOICE_ID_HASH_ORDER, LEGACY_HASH_ORDER } from './providers/intellectmoney/signing';

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

  it('disables IntellectMoney, Paykassma and QR when their variables are unset or blank', () => {
    const config = loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_QR_ACQUIRER_ID: ' ' });
    expect(config.callbacks).toEqual({ attempts: 5, backoffMs: 500 });
    expect(config.intellectmoney).toEqual({
      missing: [
        'SANDBOX_INTELLECTMONEY_ESHOP_ID',
        'SANDBOX_INTELLECTMONEY_SECRET_KEY',
        'SANDBOX_INTELLECTMONEY_RESULT_URL',
      ],
    });
    expect(isDisabled(config.paykassma)).toBe(true);
    expect(isDisabled(config.qr)).toBe(true);
  });

  it('reads every provider variable and keeps secrets out of JSON', () => {
    const config = loadConfig({
      SANDBOX_WEBMONEY_SECRET_KEY: 'k',
      SANDBOX_CALLBACK_ATTEMPTS: '3',
      SANDBOX_CALLBACK_BACKOFF_MS: '20',
      SANDBOX_INTELLECTMONEY_ESHOP_ID: '450000',
      SANDBOX_INTELLECTMONEY_SECRET_KEY: 'im-secret',
      SANDBOX_INTELLECTMONEY_RESULT_URL: 'http://gw.test/callbacks/intellectmoney',
      SANDBOX_INTELLECTMONEY_HASH_ORDER: 'invoice_id',
      SANDBOX_INTELLECTMONEY_BEARER_TOKEN: 'im-bearer',
      SANDBOX_INTELLECTMONEY_SIGN_SECRET: 'im-sign',
      SANDBOX_PAYKASSMA_PLUGIN_API_SECRET: 'pk-api',
      SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY: 'pk-access',
      SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY: 'pk-private',
      SANDBOX_PAYKASSMA_POSTBACK_URL: 'http://gw.test/callbacks/paykassma',
      SANDBOX_PAYKASSMA_PENDING_DELAY_MS: '100',
      SANDBOX_QR_ACQUIRER_ID: 'acq-1',
      SANDBOX_QR_ACQUIRER_SECRET: 'qr-secret',
      SANDBOX_QR_CALLBACK_URL: 'http://gw.test/callbacks/qr',
      SANDBOX_QR_TOLEM_URL: 'http://gw.test/',
    });
    expect(config.callbacks).toEqual({ attempts: 3, backoffMs: 20 });
    if (
      isDisabled(config.intellectmoney) ||
      isDisabled(config.paykassma) ||
      isDisabled(config.qr)
    ) {
      throw new Error('expected every provider enabled');
    }
    expect(config.intellectmoney).toMatchObject({
      eshopId: '450000',
      resultUrl: 'http://gw.test/callbacks/intellectmoney',
      hashOrder: INVOICE_ID_HASH_ORDER,
    });
    expect(config.intellectmoney.personalApi?.signSecretKey.reveal()).toBe('im-sign');
    expect(config.paykassma).toMatchObject({
      postbackUrl: 'http://gw.test/callbacks/paykassma',
      pendingDelayMs: 100,
    });
    expect(config.paykassma.postbackPrivateKey.reveal()).toBe('pk-private');
    expect(config.qr).toMatchObject({
      acquirerId: 'acq-1',
      callbackUrl: 'http://gw.test/callbacks/qr',
      tolemUrl: 'http://gw.test',
    });
    const json = JSON.stringify(config);
    for (const secret of [
      'im-secret',
      'im-bearer',
      'im-sign',
      'pk-api',
      'pk-access',
      'pk-private',
      'qr-secret',
    ]) {
      expect(json).not.toContain(secret);
    }
  });

  it('defaults the IntellectMoney hash order to legacy and leaves the Personal API off without its keys', () => {
    const config = loadConfig({
      SANDBOX_WEBMONEY_SECRET_KEY: 'k',
      SANDBOX_INTELLECTMONEY_ESHOP_ID: '1',
      SANDBOX_INTELLECTMONEY_SECRET_KEY: 's',
      SANDBOX_INTELLECTMONEY_RESULT_URL: 'http://gw.test/cb',
    });
    if (isDisabled(config.intellectmoney)) throw new Error('expected enabled');
    expect(config.intellectmoney.hashOrder).toBe(LEGACY_HASH_ORDER);
    expect(config.intellectmoney.personalApi).toBeUndefined();
  });

  it('fails fast on a half-configured provider or a bad hash order', () => {
    expect(() =>
      loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_INTELLECTMONEY_ESHOP_ID: '1' }),
    ).toThrow(/SANDBOX_INTELLECTMONEY_SECRET_KEY/);
    expect(() =>
      loadConfig({
        SANDBOX_WEBMONEY_SECRET_KEY: 'k',
        SANDBOX_PAYKASSMA_POSTBACK_URL: 'http://x.test',
      }),
    ).toThrow(/SANDBOX_PAYKASSMA_PLUGIN_API_SECRET/);
    expect(() =>
      loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_INTELLECTMONEY_BEARER_TOKEN: 't' }),
    ).toThrow(/SANDBOX_INTELLECTMONEY_SIGN_SECRET/);
    expect(() =>
      loadConfig({
        SANDBOX_WEBMONEY_SECRET_KEY: 'k',
        SANDBOX_INTELLECTMONEY_HASH_ORDER: 'eshopId::orderId',
      }),
    ).toThrow(/SANDBOX_INTELLECTMONEY_HASH_ORDER/);
    expect(() =>
      loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_QR_CALLBACK_URL: 'not a url' }),
    ).toThrow(/SANDBOX_QR_CALLBACK_URL/);
    expect(() =>
      loadConfig({ SANDBOX_WEBMONEY_SECRET_KEY: 'k', SANDBOX_QR_TOLEM_URL: 'not a url' }),
    ).toThrow(/SANDBOX_QR_TOLEM_URL/);
  });

  it('leaves the QR bank without a Tolem URL when SANDBOX_QR_TOLEM_URL is unset (reads codes alone)', () => {
    const config = loadConfig({
      SANDBOX_WEBMONEY_SECRET_KEY: 'k',
      SANDBOX_QR_ACQUIRER_ID: 'acq-1',
      SANDBOX_QR_ACQUIRER_SECRET: 'qr-secret',
      SANDBOX_QR_CALLBACK_URL: 'http://gw.test/callbacks/qr',
    });
    if (isDisabled(config.qr)) throw new Error('expected the QR bank enabled');
    expect(config.qr.tolemUrl).toBeUndefined();
  });
});
