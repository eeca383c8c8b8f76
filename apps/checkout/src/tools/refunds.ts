import { RefundServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

import { loadCasesToolConfig } from '../config';
import { runRefundsCli, USAGE } from './refunds.cli';

/**
 * `npm run refunds -- list | complete <id> … | fail <id> …`: the operators' tool for the
 * payout-to-payer queue, over checkout's RefundService (the same settings as `npm run cases`).
 * Exit code 0 when done, 1 when checkout refused it or could not be reached, 2 on a usage error.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadCasesToolConfig>;
  try {
    config = loadCasesToolConfig();
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const refunds = createClient(RefundServiceClient, config.checkoutAddr, {
    defaultDeadlineMs: config.deadlineMs,
  });
  try {
    return await runRefundsCli(process.argv.slice(2), {
      refunds,
      checkoutAddr: config.checkoutAddr,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    refunds.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`refunds: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
