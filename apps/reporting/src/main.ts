import { ReportingServiceService } from '@tolem/contracts/reporting';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer } from '@tolem/grpc-kit';
import { createKafka, startPaymentEventsConsumer } from '@tolem/kafka-kit';
import { createLogger } from '@tolem/observability';
import { onShutdown, runService, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeApplyPaymentEvent } from './app/apply-payment-event';
import { makeGetPaymentFact } from './app/get-payment-fact';
import { makeListPaymentFacts } from './app/list-payment-facts';
import { loadConfig } from './config';
import { createDailyTotalsRepo } from './db/daily-totals.repo';
import { createPaymentCasesRepo } from './db/payment-cases.repo';
import { createPaymentFactsRepo } from './db/payment-facts.repo';
import { reportingHandlers } from './grpc/reporting.grpc';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'reporting', level: config.logLevel });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'reporting' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'reporting', log });

  const facts = createPaymentFactsRepo(db);
  const grpc = createGrpcServer({ log });
  grpc.addService(
    ReportingServiceService,
    reportingHandlers({
      getPaymentFact: makeGetPaymentFact({ facts }),
      listPaymentFacts: makeListPaymentFacts({ facts }),
    }),
  );
  // Queries need no Kafka, so they are served while the consumer joins its group (after a crash
  // that join waits out the dead member's session timeout) or waits for the broker; readiness
  // says whether events are being consumed.
  const consumer = startPaymentEventsConsumer({
    kafka,
    db,
    log,
    groupId: config.groupId,
    topic: config.paymentsTopic,
    readiness: grpc,
    handle: (trx, event) =>
      makeApplyPaymentEvent({
        facts: createPaymentFactsRepo(trx),
        cases: createPaymentCasesRepo(trx),
        totals: createDailyTotalsRepo(trx),
        clock: systemClock,
      })(event),
  });
  onShutdown(log, [() => grpc.drain(), () => consumer.stop(), () => db.destroy()]);
  const port = await grpc.listen(config.grpcPort, config.grpcHost);
  log.info({ port, topic: config.paymentsTopic, groupId: config.groupId }, 'reporting started');
}

runService('reporting', main);
