import { CaseServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

import { loadCasesToolConfig } from '../config';
import { runCasesCli, USAGE } from './cases.cli';

/**
 * `npm run cases -- list | show <id> | apply <id> … | return <id> …`: the operators' tool for
 * cases (verified money that did not match its payment), over checkout's CaseService. Exit code
 * 0 when done, 1 when checkout refused it or could not be reached, 2 on a usage error.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadCasesToolConfig>;
  try {
    config = loadCasesToolConfig();
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const cases = createClient(CaseServiceClient, config.checkoutAddr, {
    defaultDeadlineMs: config.deadlineMs,
  });
  try {
    return await runCasesCli(process.argv.slice(2), {
      cases,
      checkoutAddr: config.checkoutAddr,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    cases.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cases: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
