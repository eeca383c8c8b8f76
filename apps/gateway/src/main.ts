import {
  CaseServiceClient,
  CheckoutServiceClient,
  MerchantServiceClient,
  RefundServiceClient,
} from '@tolem/contracts/checkout';
import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { NotifierServiceClient } from '@tolem/contracts/notifier';
import { QrServiceClient } from '@tolem/contracts/qr';
import { RecurringServiceClient } from '@tolem/contracts/recurring';
import { ReportingServiceClient } from '@tolem/contracts/reporting';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import {
  createClient,
  createStreamingClient,
  grpcTransportOf,
  useGrpcTransport,
} from '@tolem/grpc-kit';
import { instrumentFastify, startMetrics } from '@tolem/metrics';
import { createLogger, startTracing, traceFastify } from '@tolem/observability';
import { onShutdown, runService } from '@tolem/runtime';

import { migrations } from '../migrations';
import { loadConfig } from './config';
import { createIdempotencyKeysRepo } from './db/idempotency-keys.repo';
import { createPaymentsBatcher } from './grpc/create-payments.batcher';
import { createHealthProbe } from './grpc/health.probe';
import { startIdempotencySweeper } from './http/idempotency/sweeper';
import { buildGateway } from './http/server';

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('gateway', config.grpcTls));
  const log = createLogger({ service: 'gateway', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'gateway' });
  const metrics = await startMetrics({
    service: 'gateway',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'gateway' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);
  const idempotencyStore = createIdempotencyKeysRepo(db);
  const clock = (): Date => new Date();
  const grpcOptions = { defaultDeadlineMs: config.grpcDeadlineMs };

  const checkout = createClient(CheckoutServiceClient, config.checkoutAddr, grpcOptions);
  const merchants = createClient(MerchantServiceClient, config.checkoutAddr, grpcOptions);
  const cases = createClient(CaseServiceClient, config.checkoutAddr, grpcOptions);
  const refunds = createClient(RefundServiceClient, config.checkoutAddr, grpcOptions);
  const notifier = createClient(NotifierServiceClient, config.notifierAddr, grpcOptions);
  const ledger = createClient(LedgerServiceClient, config.ledgerAddr, grpcOptions);
  const reporting = config.reportingAddr
    ? {
        unary: createClient(ReportingServiceClient, config.reportingAddr, grpcOptions),
        streams: createStreamingClient(ReportingServiceClient, config.reportingAddr),
      }
    : undefined;
  const recurring = config.recurringAddr
    ? createClient(RecurringServiceClient, config.recurringAddr, grpcOptions)
    : undefined;
  const qr = config.qrPlatformAddr
    ? {
        unary: createClient(QrServiceClient, config.qrPlatformAddr, grpcOptions),
        streams: createStreamingClient(QrServiceClient, config.qrPlatformAddr),
      }
    : undefined;
  const checkoutHealth = createHealthProbe(
    config.checkoutAddr,
    'tolem.checkout.v1.CheckoutService',
  );

  const createPayment =
    config.createBatchLanes > 0
      ? createPaymentsBatcher(checkout, { lanes: config.createBatchLanes })
      : undefined;
  const app = buildGateway({
    // Creates travel batched (createPaymentsBatcher); every other call as it is.
    checkout: createPayment
      ? new Proxy(checkout, {
          get: (target, prop, receiver) =>
            prop === 'createPayment' ? createPayment : Reflect.get(target, prop, receiver),
        })
      : checkout,
    merchants,
    cases,
    notifier,
    ledger,
    refunds,
    reports: reporting && {
      unary: reporting.unary,
      exportPaymentsCsv: reporting.streams.exportPaymentsCsv,
    },
    webhooks: notifier,
    recurring,
    qr: qr && {
      codes: qr.unary,
      watchQrPayment: qr.streams.watchQrPayment,
      checkout,
    },
    checkoutReady: () => checkoutHealth.check(),
    idempotency: { store: idempotencyStore, clock },
    log,
    publicBaseUrl: config.publicBaseUrl,
    adminToken: config.adminToken,
    rateLimits: config.rateLimits,
    trustProxyHops: config.trustProxyHops,
  });
  const sweeper = startIdempotencySweeper({ store: idempotencyStore, clock, log });
  instrumentFastify(app);
  traceFastify(app);
  await app.listen({ port: config.httpPort, host: config.httpHost });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;

  // Stop taking requests and finish in-flight ones first, then close the channels they used.
  onShutdown(log, [
    [() => app.close(), () => sweeper.stop()],
    () => {
      for (const client of [
        checkout,
        merchants,
        cases,
        refunds,
        notifier,
        ledger,
        checkoutHealth,
      ]) {
        client.close();
      }
      reporting?.unary.close();
      recurring?.close();
      qr?.unary.close();
      qr?.streams.close();
      reporting?.streams.close();
    },
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  log.info({ port }, 'gateway started');
}

runService('gateway', main);
