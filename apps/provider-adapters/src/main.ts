import { ProviderServiceService } from '@tolem/contracts/provider';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, onShutdown } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';

import { migrations } from '../migrations';
import { makeHandleCallback } from './app/handle-callback';
import { makeStartPayment } from './app/start-payment';
import { loadConfig } from './config';
import { createProviderCallbacksRepo } from './db/provider-callbacks.repo';
import { createProviderTransactionsRepo } from './db/provider-transactions.repo';
import { providerHandlers } from './grpc/provider.grpc';
import { createProviderRegistry } from './providers/registry';
import { createWebMoneyAdapter } from './providers/webmoney/webmoney.adapter';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'provider-adapters', level: config.logLevel });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'provider-adapters' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const transactions = createProviderTransactionsRepo(db);
  const callbacks = createProviderCallbacksRepo(db);
  // One adapter per provider; IntellectMoney, Paykassma and QR join this list in their issues.
  const registry = createProviderRegistry([
    createWebMoneyAdapter({ config: config.webmoney, transactions }),
  ]);
  const startPayment = makeStartPayment({ registry });
  const handleCallback = makeHandleCallback({ registry, callbacks, log });

  const grpc = createGrpcServer({ log });
  grpc.addService(ProviderServiceService, providerHandlers({ startPayment, handleCallback }));
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  onShutdown(log, [() => grpc.drain(), () => db.destroy()]);
  log.info({ port, webmoneyMode: config.webmoney.mode }, 'provider-adapters started');
}

void main().catch((err: unknown) => {
  process.stderr.write(
    `provider-adapters failed to start: ${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
});
