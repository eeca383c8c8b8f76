import { QrServiceService } from '@tolem/contracts/qr';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { createKafka, startPaymentEventsConsumer } from '@tolem/kafka-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { onShutdown, runService, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeApplyPaymentEvent } from './app/apply-payment-event';
import { makeCreateQrCode } from './app/create-qr-code';
import { makeGetQrCode } from './app/get-qr-code';
import { makeListQrCodePayments } from './app/list-qr-code-payments';
import { makeListQrCodes } from './app/list-qr-codes';
import { makeResolveQrPayload } from './app/resolve-qr-payload';
import { makeWatchQrPayment } from './app/watch-qr-payment';
import { loadConfig } from './config';
import { createQrCodesRepo } from './db/qr-codes.repo';
import { createQrPaymentListener, pgQrPaymentNotifier } from './db/qr-payment-listener';
import { createQrPaymentsRepo } from './db/qr-payments.repo';
import { qrHandlers } from './grpc/qr.grpc';

/** Readiness condition while the LISTEN connection behind WatchQrPayment is down. */
const LISTENER_READINESS = 'qr-payment-listener';

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('qr-platform', config.grpcTls));
  const log = createLogger({ service: 'qr-platform', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'qr-platform' });
  const metrics = await startMetrics({
    service: 'qr-platform',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'qr-platform' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'qr-platform',
    log,
    security: config.kafkaSecurity,
  });

  const codes = createQrCodesRepo(db);
  const payments = createQrPaymentsRepo(db);
  const clock = systemClock;
  const getQrCode = makeGetQrCode({ codes });
  const grpc = createGrpcServer({ log });
  const closing = new AbortController();
  const listener = createQrPaymentListener({
    connectionString: config.databaseUrl.reveal(),
    log,
    async load(qrCodeId, paymentId) {
      const [payment, code] = await Promise.all([
        payments.findByPaymentId(paymentId),
        codes.findById(qrCodeId),
      ]);
      return payment && code ? { payment, code } : undefined;
    },
    onConnectedChange: (connected) => grpc.setReady(LISTENER_READINESS, connected),
  });
  grpc.addService(
    QrServiceService,
    qrHandlers({
      createQrCode: makeCreateQrCode({
        codes,
        issuer: config.issuer,
        clock,
        newQrId: () => newId('qr'),
      }),
      getQrCode,
      listQrCodes: makeListQrCodes({ codes }),
      resolveQrPayload: makeResolveQrPayload({ codes }),
      listQrCodePayments: makeListQrCodePayments({ getQrCode, payments }),
      watchQrPayment: makeWatchQrPayment({
        getQrCode,
        codes,
        payments,
        changes: listener,
        clock,
        closing: closing.signal,
      }),
      clock,
    }),
  );
  await listener.start();
  // Codes are served while the consumer joins its group or waits for the broker (checkout creates
  // a QR payment's code synchronously); the `kafka-consumer` health service says whether payment
  // events are being consumed.
  const consumer = startPaymentEventsConsumer({
    kafka,
    db,
    log,
    groupId: config.groupId,
    topic: config.paymentsTopic,
    health: grpc,
    handle: (trx, event) =>
      makeApplyPaymentEvent({
        codes: createQrCodesRepo(trx),
        payments: createQrPaymentsRepo(trx),
        notifier: pgQrPaymentNotifier(trx),
        clock,
        log,
      })(event),
  });
  onShutdown(log, [
    // Open watch streams end first, so the drain does not wait for them until its timeout.
    () => closing.abort(),
    [() => grpc.drain(), () => consumer.stop(), () => listener.stop()],
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  const port = await grpc.listen(config.grpcPort, config.grpcHost);
  log.info(
    { port, issuer: config.issuer, topic: config.paymentsTopic, groupId: config.groupId },
    'qr-platform started',
  );
}

runService('qr-platform', main);
