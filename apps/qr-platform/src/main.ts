import { QrServiceService } from '@tolem/contracts/qr';
import { createKnex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { createLogger } from '@tolem/observability';
import { onShutdown, runService } from '@tolem/runtime';

import { migrations } from '../migrations';
import { makeCreateQrCode } from './app/create-qr-code';
import { makeGetQrCode } from './app/get-qr-code';
import { loadConfig } from './config';
import { createQrCodesRepo } from './db/qr-codes.repo';
import { qrHandlers } from './grpc/qr.grpc';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'qr-platform', level: config.logLevel });
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'qr-platform' });
  if (config.migrateOnStart) await migrateLatest(db, migrations);

  const codes = createQrCodesRepo(db);
  const createQrCode = makeCreateQrCode({
    codes,
    issuer: config.issuer,
    newQrId: () => newId('qr'),
  });
  const getQrCode = makeGetQrCode({ codes });

  const grpc = createGrpcServer({ log });
  grpc.addService(QrServiceService, qrHandlers({ createQrCode, getQrCode }));
  const port = await grpc.listen(config.grpcPort, config.grpcHost);

  onShutdown(log, [() => grpc.drain(), () => db.destroy()]);
  log.info({ port, issuer: config.issuer }, 'qr-platform started');
}

runService('qr-platform', main);
