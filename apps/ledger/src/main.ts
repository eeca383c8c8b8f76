import { LedgerServiceService } from '@tolem/contracts/ledger';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, onShutdown } from '@tolem/grpc-kit';
import { createKafka } from '@tolem/kafka-kit';
import { createLogger } from '@tolem/observability';

import { migrations } from '../migrations';
import { makeCheckIntegrity } from './app/check-integrity';
import { makeGetBalance } from './app/get-balance';
import { makeListPaymentTransactions } from './app/list-payment-transactions';
import { makePostPayment } from './app/post-payment';
import { loadConfig } from './config';
import { createAccountStore } from './db/accounts.store';
import { createBalancesRepo } from './db/balances.repo';
import { createIntegrityRepo } from './db/integrity.repo';
import { createJournalRepo } from './db/journal.repo';
import { ledgerHandlers } from './grpc/ledger.grpc';
import { startLedgerOutbox } from './kafka/outbox.relay';
import { paymentEventMessage } from './kafka/payment-event.message';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'ledger', level: config.logLevel });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'ledger' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'ledger', log });
  const outbox = startLedgerOutbox({ kafka, db, log });

  const accounts = createAccountStore();
  const journal = createJournalRepo(db, {
    accounts,
    toOutbox: (event) => paymentEventMessage(config.paymentsTopic, event),
    afterCommit: () => outbox.wake(),
  });
  const balances = createBalancesRepo(db, accounts);
  const integrity = createIntegrityRepo(db);
  const clock = { now: () => new Date() };

  const grpc = createGrpcServer({ log });
  grpc.addService(
    LedgerServiceService,
    ledgerHandlers({
      postPayment: makePostPayment({ journal, clock }),
      getBalance: makeGetBalance({ balances }),
      listPaymentTransactions: makeListPaymentTransactions({ journal }),
      checkIntegrity: makeCheckIntegrity({ integrity, outboxGraceMs: config.outboxGraceMs }),
    }),
  );
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  // Stop intake, finish publishing the batch in hand, then close Kafka and the pool.
  onShutdown(log, [
    () => grpc.drain(),
    () => outbox.stop(),
    () => outbox.disconnect(),
    () => db.destroy(),
  ]);
  log.info({ port, topic: config.paymentsTopic }, 'ledger started');
}

void main().catch((err: unknown) => {
  process.stderr.write(`ledger failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
