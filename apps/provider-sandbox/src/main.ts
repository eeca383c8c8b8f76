import { instrumentFastify, startMetrics } from '@tolem/metrics';
import { createLogger } from '@tolem/observability';
import { onShutdown, runService } from '@tolem/runtime';

import { createCashboxProvider } from './cashbox';
import { isDisabled, loadConfig } from './config';
import { createMerchantHttp } from './merchant-http';
import type { SandboxProvider } from './provider';
import { createDisabledProvider } from './providers/disabled';
import { createIntellectmoneyProvider } from './providers/intellectmoney';
import { createPaykassmaProvider } from './providers/paykassma';
import { createQrBankProvider } from './providers/qrbank';
import { createWebmoneyProvider } from './providers/webmoney';
import { createSandboxServer } from './server';
import { createSmsOutbox } from './sms-outbox';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'provider-sandbox', level: config.logLevel });
  const metrics = await startMetrics({
    service: 'provider-sandbox',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });

  const http = createMerchantHttp({ timeoutMs: config.httpTimeoutMs });
  const sms = createSmsOutbox();
  const { attempts, backoffMs } = config.callbacks;
  const providers: SandboxProvider[] = [
    createWebmoneyProvider({
      config: config.webmoney,
      publicBaseUrl: config.publicBaseUrl,
      http,
      sms,
      log,
    }),
    isDisabled(config.intellectmoney)
      ? createDisabledProvider({
          key: 'intellectmoney',
          title: 'IntellectMoney',
          summary: 'Bank card payments with card binding, notifications and the Personal API.',
          prefixes: ['/intellectmoney', '/_sandbox/intellectmoney'],
          missing: config.intellectmoney.missing,
        })
      : createIntellectmoneyProvider({
          config: config.intellectmoney,
          http,
          log,
          notifyAttempts: attempts,
          notifyBackoffMs: backoffMs,
        }),
    isDisabled(config.paykassma)
      ? createDisabledProvider({
          key: 'paykassma',
          title: 'Paykassma · Wavepay',
          summary: 'Wavepay wallet deposits in MMK with signed postbacks.',
          prefixes: ['/paykassma', '/_sandbox/paykassma'],
          missing: config.paykassma.missing,
        })
      : createPaykassmaProvider({
          config: config.paykassma,
          http,
          log,
          postbackAttempts: attempts,
          postbackBackoffMs: backoffMs,
        }),
    isDisabled(config.qr)
      ? createDisabledProvider({
          key: 'qrbank',
          title: 'QR payer bank app (ELQR)',
          summary: 'Pays Kyrgyz ELQR payment links and confirms them to Tolem.',
          prefixes: ['/qrbank', '/_sandbox/qrbank'],
          missing: config.qr.missing,
        })
      : createQrBankProvider({
          config: config.qr,
          http,
          log,
          confirmAttempts: attempts,
          confirmBackoffMs: backoffMs,
          lookupTimeoutMs: config.httpTimeoutMs,
        }),
    isDisabled(config.cashbox)
      ? createDisabledProvider({
          key: 'cashbox',
          title: 'Online cash register (54-FZ)',
          summary: 'Registers fiscal receipts through the YooKassa receipts API.',
          prefixes: ['/cashbox', '/_sandbox/cashbox'],
          missing: config.cashbox.missing,
        })
      : createCashboxProvider({ config: config.cashbox }),
  ];

  const app = await createSandboxServer({ log, providers, sms });
  instrumentFastify(app);
  await app.listen({ port: config.httpPort, host: config.httpHost });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort;

  // Stop intake and finish the requests in hand.
  onShutdown(log, [() => app.close(), () => metrics.close()]);

  log.info(
    {
      port,
      public_base_url: config.publicBaseUrl,
      providers: providers.map((p) => `${p.key}${p.disabled ? ' (disabled)' : ''}`),
    },
    'provider-sandbox started',
  );
}

runService('provider-sandbox', main);
