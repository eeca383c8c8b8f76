import { NotifierServiceService } from '@tolem/contracts/notifier';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { createKafka, startPaymentEventsConsumer } from '@tolem/kafka-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { onShutdown, runService, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeDispatcher } from './app/dispatch-due';
import { makeListDeliveries } from './app/list-deliveries';
import { makeManageEndpoints } from './app/manage-endpoints';
import { makeRecordDelivery } from './app/record-delivery';
import { makeRedeliverDelivery } from './app/redeliver-delivery';
import { makeUpsertEndpoint } from './app/upsert-endpoint';
import { loadConfig } from './config';
import { createDeliveryQueries } from './db/deliveries.queries';
import { createDeliveriesRepo, createDispatchRepo } from './db/deliveries.repo';
import { listenForDueDeliveries } from './db/due-listener';
import { createEndpointsRepo } from './db/endpoints.repo';
import { createEventsRepo } from './db/events.repo';
import { createTransactor } from './db/transactor';
import { notifierHandlers } from './grpc/notifier.grpc';
import { startDispatcherLoop } from './http/dispatcher.loop';
import { createMerchantHttp } from './http/merchant.client';
import { notifierMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('notifier', config.grpcTls));
  const log = createLogger({ service: 'notifier', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'notifier' });
  const metrics = await startMetrics({
    service: 'notifier',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({
    url: config.databaseUrl.reveal(),
    applicationName: 'notifier',
    poolMax: config.dbPoolMax,
  });
  if (config.migrateOnStart) await migrateLatest(db, migrations);
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'notifier',
    log,
    security: config.kafkaSecurity,
  });

  const deliveryQueries = createDeliveryQueries(db);
  const { retryWindowMs } = config.notify;

  const grpc = createGrpcServer({ log });
  grpc.addService(
    NotifierServiceService,
    notifierHandlers({
      upsertEndpoint: makeUpsertEndpoint({
        transactor: createTransactor(db),
        clock: systemClock,
        retryWindowMs,
      }),
      listDeliveries: makeListDeliveries({ deliveryQueries }),
      redeliverDelivery: makeRedeliverDelivery({
        deliveryQueries,
        clock: systemClock,
        retryWindowMs,
      }),
      endpoints: makeManageEndpoints({
        transactor: createTransactor(db),
        clock: systemClock,
        retryWindowMs,
      }),
    }),
  );

  const counts = notifierMetrics(db);
  const http = createMerchantHttp({ allowPrivateNetworks: config.notify.allowPrivateNetworks });
  const dispatcher = startDispatcherLoop({
    dispatcher: makeDispatcher({
      dispatch: createDispatchRepo(db),
      http,
      clock: systemClock,
      random: Math.random,
      retry: {
        windowMs: retryWindowMs,
        backoff: { minMs: config.notify.minBackoffMs, maxMs: config.notify.maxBackoffMs },
        maxRetryAfterMs: config.notify.maxRetryAfterMs,
      },
      timeoutMs: config.notify.timeoutMs,
      disableAfterMs: config.notify.disableAfterMs,
    }),
    concurrency: config.notify.concurrency,
    claimBatch: config.notify.claimBatch,
    pollMs: config.notify.pollMs,
    log,
    onAttempt: (summary) => counts.attempted(summary),
  });
  const dueListener = listenForDueDeliveries({
    url: config.databaseUrl.reveal(),
    onDue: (endpointIds) => dispatcher.wake(endpointIds),
    log,
  });
  // The API and the dispatcher need no Kafka, so they run while the consumer joins its group (after
  // a crash that join waits out the dead member's session timeout) or waits for the broker;
  // the `kafka-consumer` health service says whether events are being consumed.
  const consumer = startPaymentEventsConsumer({
    kafka,
    db,
    log,
    groupId: config.groupId,
    topic: config.paymentsTopic,
    health: grpc,
    handle: (trx, event) =>
      makeRecordDelivery({
        deliveries: createDeliveriesRepo(trx),
        endpoints: createEndpointsRepo(trx),
        events: createEventsRepo(trx),
        clock: systemClock,
        retryWindowMs,
      })(event),
  });
  // Stop intake (gRPC, Kafka), let in-flight POSTs finish and record, then close the pool.
  onShutdown(log, [
    // Intake and background work stop together: the shutdown has a grace period to fit in.
    [() => grpc.drain(), () => consumer.stop(), () => dueListener.close(), () => dispatcher.stop()],
    async () => http.close(),
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  const port = await grpc.listen(config.grpcPort, config.grpcHost);
  log.info({ port, topic: config.paymentsTopic, groupId: config.groupId }, 'notifier started');
}

runService('notifier', main);
