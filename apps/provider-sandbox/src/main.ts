import { createLogger } from '@tolem/observability';

import { loadConfig } from './config';
import { createMerchantHttp } from './merchant-http';
import { createWebmoneyProvider } from './providers/webmoney';
import { createSandboxServer } from './server';
import { createSmsOutbox } from './sms-outbox';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'provider-sandbox', level: config.logLevel });

  const http = createMerchantHttp({ timeoutMs: config.httpTimeoutMs });
  const sms = createSmsOutbox();
  const providers = [
    createWebmoneyProvider({
      config: config.webmoney,
      publicBaseUrl: config.publicBaseUrl,
      http,
      sms,
      log,
    }),
  ];

  const app = await createSandboxServer({ log, providers, sms });
  await app.listen({ port: config.httpPort, host: config.httpHost });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort;

  // HTTP-only service: no grpc-kit here, so shutdown is one step (stop intake, finish requests).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    app
      .close()
      .then(() => {
        log.info('stopped');
        log.flush();
        setTimeout(() => process.exit(0), 50).unref();
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  log.info({ port, public_base_url: config.publicBaseUrl }, 'provider-sandbox started');
}

void main().catch((err: unknown) => {
  process.stderr.write(
    `provider-sandbox failed to start: ${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
});
