import { ProviderServiceService } from '@tolem/contracts/provider';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { onShutdown, runService, startLoop, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeChargeBoundCard } from './app/charge-bound-card';
import { makeGetCallback } from './app/get-callback';
import { makeHandleCallback } from './app/handle-callback';
import { makeListSettledTransactions } from './app/list-settled-transactions';
import { makePurgeOldCallbacks } from './app/purge-old-callbacks';
import { makeQueryPaymentStatus } from './app/query-payment-status';
import { makeRefundPayment } from './app/refund-payment';
import { makeStartPayment } from './app/start-payment';
import { makeSubmitPayerInput } from './app/submit-payer-input';
import { loadConfig } from './config';
import { createProviderCallbacksRepo } from './db/provider-callbacks.repo';
import { createProviderTransactionsRepo } from './db/provider-transactions.repo';
import { providerHandlers } from './grpc/provider.grpc';
import { createIntellectMoneyAdapter } from './providers/intellectmoney/intellectmoney.adapter';
import { createPaykassmaAdapter } from './providers/paykassma/paykassma.adapter';
import type { PaymentProvider } from './providers/provider.port';
import { createQrAcquirerAdapter } from './providers/qr-acquirer/qr-acquirer.adapter';
import { createProviderRegistry } from './providers/registry';
import { createFetchHttp } from './providers/shared/fetch-http';
import { createWebMoneyAdapter } from './providers/webmoney/webmoney.adapter';

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('provider-adapters', config.grpcTls));
  const log = createLogger({ service: 'provider-adapters', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'provider-adapters' });
  const metrics = await startMetrics({
    service: 'provider-adapters',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'provider-adapters' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const transactions = createProviderTransactionsRepo(db);
  const callbacks = createProviderCallbacksRepo(db);
  const http = createFetchHttp({ timeoutMs: config.providerHttpTimeoutMs });
  const clock = systemClock;

  // One adapter per configured provider; an unconfigured one is refused, never faked.
  const adapters: PaymentProvider[] = [
    createWebMoneyAdapter({ config: config.webmoney, transactions }),
  ];
  if (config.intellectmoney) {
    adapters.push(
      createIntellectMoneyAdapter({ config: config.intellectmoney, transactions, http, clock }),
    );
  }
  if (config.paykassma) {
    adapters.push(createPaykassmaAdapter({ config: config.paykassma, transactions, http }));
  }
  if (config.qrAcquirer) {
    adapters.push(createQrAcquirerAdapter({ config: config.qrAcquirer, transactions, clock }));
  }
  // generator:adapters — tools/generators/provider-adapter adds new adapters above this line.
  const registry = createProviderRegistry(adapters);

  const grpc = createGrpcServer({ log });
  grpc.addService(
    ProviderServiceService,
    providerHandlers({
      startPayment: makeStartPayment({ registry, environment: config.providerEnvironment }),
      handleCallback: makeHandleCallback({ registry, callbacks, log }),
      getCallback: makeGetCallback({ callbacks }),
      submitPayerInput: makeSubmitPayerInput({ registry, transactions }),
      chargeBoundCard: makeChargeBoundCard({ registry }),
      queryPaymentStatus: makeQueryPaymentStatus({ registry, transactions }),
      refundPayment: makeRefundPayment({ registry, transactions }),
      listSettledTransactions: makeListSettledTransactions({ registry, transactions, clock }),
    }),
  );
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  // Deleting by received_at is safe from every replica at once: each batch takes whatever rows are
  // left, and a row deleted twice is simply not found.
  const purgeOldCallbacks = makePurgeOldCallbacks({
    callbacks,
    clock,
    retentionDays: config.callbackRetention.days,
    batchSize: config.callbackRetention.batchSize,
  });
  const retention = startLoop({
    name: 'callback-retention',
    async runOnce() {
      const deleted = await purgeOldCallbacks();
      if (deleted > 0) log.info({ job: 'callback-retention', deleted }, 'old callbacks deleted');
    },
    intervalMs: config.callbackRetention.sweepMs,
    log,
  });

  onShutdown(log, [
    [() => grpc.drain(), () => retention.stop()],
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  log.info(
    {
      port,
      webmoneyMode: config.webmoney.mode,
      providers: adapters.map((a) => a.name),
    },
    'provider-adapters started',
  );
}

runService('provider-adapters', main);
