import { RecurringServiceService } from '@tolem/contracts/recurring';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';
import { onShutdown, runService, systemClock } from '@tolem/runtime';

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
import { loadConfig } from './config';
import { createCardBindingsRepo } from './db/card-bindings.repo';
import { createScheduledOperationsRepo } from './db/scheduled-operations.repo';
import { recurringHandlers } from './grpc/recurring.grpc';
import { unimplementedRecurringHandlers } from './grpc/unimplemented.grpc';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'recurring', level: config.logLevel });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'recurring' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const clock = systemClock;
  const bindings = createCardBindingsRepo(db);
  const operations = createScheduledOperationsRepo(db);
  const bindingDeps = { bindings, clock };
  const operationDeps = { operations, clock };

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
      unimplementedRecurringHandlers(),
    ),
  );
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  onShutdown(log, [() => grpc.drain(), () => db.destroy()]);
  log.info({ port }, 'recurring started');
}

runService('recurring', main);
