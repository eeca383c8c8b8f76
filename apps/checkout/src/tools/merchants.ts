import { MerchantServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

import { loadCasesToolConfig } from '../config';
import { runMerchantsCli, USAGE } from './merchants.cli';

/**
 * `npm run merchants -- create | get | list | update | keys …`: the operators' tool for merchants
 * and their API keys, over checkout's MerchantService. Exit code 0 when done, 1 when checkout
 * refused it or could not be reached, 2 on a usage error.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadCasesToolConfig>;
  try {
    // Same settings as the cases tool: checkout's address and a call deadline.
    config = loadCasesToolConfig();
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const merchants = createClient(MerchantServiceClient, config.checkoutAddr, {
    defaultDeadlineMs: config.deadlineMs,
  });
  try {
    return await runMerchantsCli(process.argv.slice(2), {
      merchants,
      checkoutAddr: config.checkoutAddr,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    merchants.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`merchants: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
