import { RecurringServiceService } from '@tolem/contracts/recurring';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, grpcTransportOf, useGrpcTransport } from '@tolem/grpc-kit';
import { startMetrics } from '@tolem/metrics';
import { createLogger, startTracing } from '@tolem/observability';
import { onShutdown, runService } from '@tolem/runtime';

import { migrations } from '../migrations';
import {
  makeGetCardBinding,
  makeListCardBindings,
  makeRevokeCardBinding,
} from './app/card-bindings';
import { makeRecordCardBinding } from './app/record-card-binding';
import {
  makeGetScheduledOperation,
  makeListScheduledOperations,
  makeOperationTransition,
  makeSetScheduledOperation,
} from './app/scheduled-operations';
import { createMerchantsClient } from './clients/merchants.client';
import { loadConfig } from './config';
import { createCardBindingsRepo } from './db/card-bindings.repo';
import { createScheduledOperationsRepo } from './db/scheduled-operations.repo';
import { nextOccurrence } from './domain/schedule';
import { receiptHandlers } from './grpc/receipts.grpc';
import { recurringHandlers } from './grpc/recurring.grpc';
import { recurringMetrics } from './metrics';
import { createCashRegisterClient } from './receipts/cash-register.client';
import { makeChargeReceipts } from './receipts/charge-receipts';
import { makeReceiptQueries } from './receipts/list-receipts';
import { startReceiptSender } from './receipts/sender';
import { serviceClock, startScheduling } from './scheduler/wiring';

/** GetMerchant for a receipt's VAT rate: a changed rate reaches receipts within a minute. */
const MERCHANT_DEADLINE_MS = 5_000;
const MERCHANT_CACHE_MS = 60_000;

async function main(): Promise<void> {
  const config = loadConfig();
  useGrpcTransport(grpcTransportOf('recurring', config.grpcTls));
  const log = createLogger({ service: 'recurring', level: config.logLevel });
  // Off unless the OTEL_* variables ask for it (README: Traces).
  const tracing = startTracing({ service: 'recurring' });
  const metrics = await startMetrics({
    service: 'recurring',
    port: config.metricsPort,
    host: config.metricsHost,
    log,
  });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'recurring' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const time = serviceClock(config);
  const { clock } = time;
  recurringMetrics(db, clock);
  const bindings = createCardBindingsRepo(db);
  const operations = createScheduledOperationsRepo(db);
  const bindingDeps = { bindings, clock };
  const operationDeps = { operations, clock };

  const merchants = createMerchantsClient(config.checkoutAddr, {
    deadlineMs: MERCHANT_DEADLINE_MS,
    ttlMs: MERCHANT_CACHE_MS,
  });
  const scheduling = startScheduling({
    db,
    log,
    config,
    nextOccurrence,
    receipts: makeChargeReceipts({ merchants, clock }),
    clock: time,
  });
  // Without a cash register configured, receipts are stored and wait as pending.
  const receiptSender = config.cashRegister
    ? startReceiptSender({
        db,
        client: createCashRegisterClient(config.cashRegister),
        clock,
        log,
        intervalMs: config.receiptsSendIntervalMs,
        policy: { leaseMs: Math.max(60_000, 3 * config.cashRegister.timeoutMs) },
      })
    : undefined;

  const grpc = createGrpcServer({ log });
  grpc.addService(
    RecurringServiceService,
    recurringHandlers(
      {
        recordCardBinding: makeRecordCardBinding({ bindings }),
        listCardBindings: makeListCardBindings(bindingDeps),
        getCardBinding: makeGetCardBinding(bindingDeps),
        revokeCardBinding: makeRevokeCardBinding(bindingDeps),
        setScheduledOperation: makeSetScheduledOperation(operationDeps),
        getScheduledOperation: makeGetScheduledOperation(operationDeps),
        listScheduledOperations: makeListScheduledOperations(operationDeps),
        pauseScheduledOperation: makeOperationTransition(operationDeps, 'pause'),
        resumeScheduledOperation: makeOperationTransition(operationDeps, 'resume'),
        cancelScheduledOperation: makeOperationTransition(operationDeps, 'cancel'),
      },
      {
        ...scheduling.handlers,
        ...receiptHandlers({ receipts: makeReceiptQueries(db) }),
      },
    ),
  );
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  onShutdown(log, [
    // The scheduler stops claiming charges while the server drains, not after.
    [() => grpc.drain(), () => scheduling.stop(), async () => receiptSender?.stop()],
    async () => merchants.close(),
    () => db.destroy(),
    () => metrics.close(),
    () => tracing.shutdown(),
  ]);
  log.info({ port }, 'recurring started');
}

runService('recurring', main);
