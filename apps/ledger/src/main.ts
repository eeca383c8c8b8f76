import { LedgerServiceService } from '@tolem/contracts/ledger';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { createKafka } from '@tolem/kafka-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { onShutdown, runService, systemClock } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeCheckIntegrity } from './app/check-integrity';
import { makeGetDailyMoneyTotals } from './app/daily-money-totals';
import {
  makeGetFeePlan,
  makeGetMerchantSettings,
  makeSetFeePlan,
  makeSetMerchantSettings,
} from './app/fee-plans';
import { makeGetAccountBalance, makeGetBalance, makeListAccounts } from './app/get-balance';
import { makeCreateHold, makeExpireHolds, makePostHold, makeVoidHold } from './app/holds';
import { makeListPaymentTransactions } from './app/list-payment-transactions';
import { makeListStatement } from './app/list-statement';
import { makePostPayment } from './app/post-payment';
import { makePostPayments } from './app/post-payments';
import { makePostPayout } from './app/post-payout';
import { makePostTransaction } from './app/post-transaction';
import { makeRecordPaymentEvent } from './app/record-payment-event';
import { makeRefundPayment, makeResolveRefund } from './app/refund-payment';
import { makeReverseTransaction } from './app/reverse-transaction';
import {
  makeApplyUnappliedFunds,
  makeGetUnappliedFunds,
  makeHoldUnappliedFunds,
  makeReturnUnappliedFunds,
} from './app/unapplied-funds';
import { loadConfig } from './config';
import { createAccountStore } from './db/accounts.store';
import { createBalancesRepo } from './db/balances.repo';
import { createDailyMoneyReader } from './db/daily-money.reader';
import { createIntegrityRepo } from './db/integrity.repo';
import { createJournalRepo } from './db/journal.repo';
import { createMerchantSettingsRepo } from './db/merchant-settings.repo';
import { ledgerHandlers } from './grpc/ledger.grpc';
import { startHoldExpiryLoop } from './jobs/hold-expiry.loop';
import { startLedgerOutbox } from './kafka/outbox.relay';
import {
  paymentEventMessage,
  paymentEventMessageSequenceLast,
} from './kafka/payment-event.message';
import { ledgerMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('ledger', config.grpcTls));
  const log = createLogger({ service: 'ledger', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'ledger' });
  const metrics = await startMetrics({
    service: 'ledger',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({
    url: config.databaseUrl.reveal(),
    applicationName: 'ledger',
    poolMax: config.dbPoolMax,
  });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'ledger',
    log,
    security: config.kafkaSecurity,
  });
  const outbox = startLedgerOutbox({ kafka, db, log, batchSize: config.outboxBatchSize });

  const accounts = createAccountStore();
  const counts = ledgerMetrics(db);
  const journal = createJournalRepo(db, {
    accounts,
    toOutbox: (event) => paymentEventMessage(config.paymentsTopic, event),
    toOutboxSequenceLast: (event) => paymentEventMessageSequenceLast(config.paymentsTopic, event),
    afterCommit: () => outbox.wake(),
    posted: (transactions) => counts.posted(transactions),
    batching:
      config.batchLanes > 0 ? { lanes: config.batchLanes, maxBatch: config.batchMax } : undefined,
    onBatchFailed: (err, size) =>
      log.info({ err, size }, 'batch refused as a whole; writing its items one by one'),
  });
  const balances = createBalancesRepo(db, accounts);
  const settings = createMerchantSettingsRepo(db);
  const integrity = createIntegrityRepo(db);
  const clock = systemClock;

  const postPayment = makePostPayment({ journal, settings, clock });
  const holdDeps = { journal, settings, clock };
  const grpc = createGrpcServer({ log });
  grpc.addService(
    LedgerServiceService,
    ledgerHandlers({
      postPayment,
      postPayments: makePostPayments({ postPayment }),
      recordPaymentEvent: makeRecordPaymentEvent({ journal, clock }),
      holdUnappliedFunds: makeHoldUnappliedFunds({ journal, settings, clock }),
      applyUnappliedFunds: makeApplyUnappliedFunds({ journal, settings, clock }),
      returnUnappliedFunds: makeReturnUnappliedFunds({ journal, settings, clock }),
      getUnappliedFunds: makeGetUnappliedFunds({ journal }),
      refundPayment: makeRefundPayment({ journal, clock }),
      resolveRefund: makeResolveRefund({ journal, clock }),
      postPayout: makePostPayout({ journal, clock }),
      createHold: makeCreateHold(holdDeps),
      postHold: makePostHold(holdDeps),
      voidHold: makeVoidHold(holdDeps),
      reverseTransaction: makeReverseTransaction({ journal, clock }),
      postTransaction: makePostTransaction({ journal, balances }),
      setFeePlan: makeSetFeePlan({ settings }),
      getFeePlan: makeGetFeePlan({ settings }),
      setMerchantSettings: makeSetMerchantSettings({ settings }),
      getMerchantSettings: makeGetMerchantSettings({ settings }),
      getBalance: makeGetBalance({ balances }),
      getAccountBalance: makeGetAccountBalance({ balances }),
      listAccounts: makeListAccounts({ balances }),
      listStatement: makeListStatement({ balances }),
      listPaymentTransactions: makeListPaymentTransactions({ journal }),
      checkIntegrity: makeCheckIntegrity({ integrity, outboxGraceMs: config.outboxGraceMs }),
      getDailyMoneyTotals: makeGetDailyMoneyTotals({ read: createDailyMoneyReader(db) }),
    }),
  );
  const port = await grpc.listen(config.grpcPort, config.grpcHost);
  const sweeper = startHoldExpiryLoop({
    expireHolds: makeExpireHolds({ journal, holds: balances, clock }),
    intervalMs: config.holdSweepIntervalMs,
    log,
  });

  // Stop intake, let batches in hand commit, finish publishing (and close Kafka), then the pool.
  onShutdown(log, [
    // Intake and background work stop together: the shutdown has a grace period to fit in.
    [() => grpc.drain(), () => sweeper.stop(), () => outbox.stop()],
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  log.info(
    { port, topic: config.paymentsTopic, batchLanes: config.batchLanes, batchMax: config.batchMax },
    'ledger started',
  );
}

runService('ledger', main);
