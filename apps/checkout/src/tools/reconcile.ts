import { ReconcilerServiceClient } from '@tolem/contracts/checkout';
import {
  createClient,
  grpcTransportOf,
  OPERATOR_IDENTITY,
  useGrpcTransport,
} from '@tolem/grpc-kit';

import { loadReconcileToolConfig } from '../config';
import { runReconcileCli, USAGE } from './reconcile.cli';

/**
 * `npm run reconcile`: one reconciliation pass in the running checkout (ReconcilerService), its
 * counts printed. Exit code 0 when everything is explained, 1 when something is not (or checkout
 * could not run the pass), 2 on a usage error.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadReconcileToolConfig>;
  try {
    config = loadReconcileToolConfig();
    useGrpcTransport(grpcTransportOf(OPERATOR_IDENTITY, config.grpcTls));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const reconciler = createClient(ReconcilerServiceClient, config.checkoutAddr, {
    defaultDeadlineMs: config.deadlineMs,
  });
  try {
    return await runReconcileCli(process.argv.slice(2), {
      reconciler,
      checkoutAddr: config.checkoutAddr,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    reconciler.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`reconcile: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
