import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { ReportingServiceService } from '@tolem/contracts/reporting';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createClient, createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { createKafka, startPaymentEventsConsumer } from '@tolem/kafka-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { onShutdown, runService, startLoop, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeApplyPaymentEvent } from './app/apply-payment-event';
import { makeCheckConsistency, makeConsistencyMonitor } from './app/check-consistency';
import { makeExportPaymentsCsv } from './app/export-payments-csv';
import { makeGetDailyTotals } from './app/get-daily-totals';
import { makeGetPaymentFact } from './app/get-payment-fact';
import { makeListPaymentFacts } from './app/list-payment-facts';
import { makeListPayments } from './app/list-payments';
import { makeListRefunds } from './app/list-refunds';
import { loadConfig } from './config';
import {
  createDailyTotalsFolder,
  createDailyTotalsReader,
  createDailyTotalsRepo,
  createRefundTotalsRepo,
} from './db/daily-totals.repo';
import { createDailyTotalsMoneyDays, createReportingMoneyDays } from './db/money-days.reader';
import { createPaymentCasesRepo } from './db/payment-cases.repo';
import { createPaymentFactsRepo, createPaymentSearch } from './db/payment-facts.repo';
import { createRefundFactsRepo } from './db/refund-facts.repo';
import { ledgerMoneyDays } from './grpc/ledger-money-days.client';
import { reportingHandlers } from './grpc/reporting.grpc';
import { startConsistencyLoop } from './jobs/consistency.loop';

/** Deltas of each table folded per statement. */
const FOLD_BATCH = 5_000;

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('reporting', config.grpcTls));
  const log = createLogger({ service: 'reporting', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'reporting' });
  const metrics = await startMetrics({
    service: 'reporting',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'reporting' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'reporting',
    log,
    security: config.kafkaSecurity,
  });

  const facts = createPaymentFactsRepo(db);
  const payments = createPaymentSearch(db);
  const ledger = createClient(LedgerServiceClient, config.ledgerAddr);
  const checkConsistency = makeCheckConsistency({
    reporting: createReportingMoneyDays(db),
    totals: createDailyTotalsMoneyDays(db),
    ledger: ledgerMoneyDays(ledger),
    clock: systemClock,
  });
  const consistency = makeConsistencyMonitor({
    check: checkConsistency,
    clock: systemClock,
    days: config.consistencyDays,
  });
  const grpc = createGrpcServer({ log });
  grpc.addService(
    ReportingServiceService,
    reportingHandlers({
      getPaymentFact: makeGetPaymentFact({ facts }),
      listPaymentFacts: makeListPaymentFacts({ facts }),
      listPayments: makeListPayments({ payments }),
      listRefunds: makeListRefunds({ refunds: createRefundFactsRepo(db) }),
      getDailyTotals: makeGetDailyTotals({ totals: createDailyTotalsReader(db) }),
      exportPaymentsCsv: makeExportPaymentsCsv({ payments }),
      checkConsistency,
      consistency,
    }),
  );
  // Queries need no Kafka, so they are served while the consumer joins its group (after a crash
  // that join waits out the dead member's session timeout) or waits for the broker; the
  // `kafka-consumer` health service says whether events are being consumed.
  const consumer = startPaymentEventsConsumer({
    kafka,
    db,
    log,
    groupId: config.groupId,
    topic: config.paymentsTopic,
    health: grpc,
    handle: (trx, event) =>
      makeApplyPaymentEvent({
        facts: createPaymentFactsRepo(trx),
        cases: createPaymentCasesRepo(trx),
        totals: createDailyTotalsRepo(trx),
        refunds: createRefundFactsRepo(trx),
        refundTotals: createRefundTotalsRepo(trx),
        clock: systemClock,
      })(event),
  });
  // An interval of 0 disables it (startLoop).
  const consistencyLoop = startConsistencyLoop({
    monitor: consistency,
    intervalMs: config.consistencyIntervalMs,
    log,
  });
  // Folds the events' daily-totals deltas into their rows; reads add what is not folded yet.
  const totalsFolder = createDailyTotalsFolder(db);
  const foldLoop = startLoop({
    name: 'daily-totals-folder',
    intervalMs: config.totalsFoldIntervalMs,
    fullBatch: FOLD_BATCH,
    log,
    runOnce: () => totalsFolder.foldOnce(FOLD_BATCH),
  });
  onShutdown(log, [
    // The consumer leaves its group while a long export drains, not after it.
    [
      () => grpc.drain(),
      () => consistencyLoop.stop(),
      () => foldLoop.stop(),
      () => consumer.stop(),
    ],
    async () => ledger.close(),
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  const port = await grpc.listen(config.grpcPort, config.grpcHost);
  log.info({ port, topic: config.paymentsTopic, groupId: config.groupId }, 'reporting started');
}

runService('reporting', main);
