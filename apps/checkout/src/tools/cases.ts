import { CaseServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

import { runCasesCli, USAGE } from './cases.cli';
import { runOperatorTool } from './operator-tool';

/**
 * `npm run cases -- list | show <id> | apply <id> … | return <id> …`: the operators' tool for
 * cases (verified money that did not match its payment), over checkout's CaseService. Exit code
 * 0 when done, 1 when checkout refused it or could not be reached, 2 on a usage error.
 */
runOperatorTool({
  name: 'cases',
  usage: USAGE,
  connect: (addr, deadlineMs) =>
    createClient(CaseServiceClient, addr, { defaultDeadlineMs: deadlineMs }),
  run: (argv, cases, io) => runCasesCli(argv, { ...io, cases }),
});
