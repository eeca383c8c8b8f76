import { RecurringServiceService } from '@tolem/contracts/recurring';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';
import { onShutdown, runService } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeRecordCardBinding } from './app/record-card-binding';
import { loadConfig } from './config';
import { createCardBindingsRepo } from './db/card-bindings.repo';
import { recurringHandlers } from './grpc/recurring.grpc';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'recurring', level: config.logLevel });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'recurring' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const bindings = createCardBindingsRepo(db);
  const recordCardBinding = makeRecordCardBinding({ bindings });

  const grpc = createGrpcServer({ log });
  grpc.addService(RecurringServiceService, recurringHandlers({ recordCardBinding, bindings }));
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  onShutdown(log, [() => grpc.drain(), () => db.destroy()]);
  log.info({ port }, 'recurring started');
}

runService('recurring', main);
