import { RefundServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

import { runOperatorTool } from './operator-tool';
import { runRefundsCli, USAGE } from './refunds.cli';

/**
 * `npm run refunds -- list | complete <id> … | fail <id> …`: the operators' tool for the
 * payout-to-payer queue, over checkout's RefundService (the same settings as `npm run cases`).
 * Exit code 0 when done, 1 when checkout refused it or could not be reached, 2 on a usage error.
 */
runOperatorTool({
  name: 'refunds',
  usage: USAGE,
  connect: (addr, deadlineMs) =>
    createClient(RefundServiceClient, addr, { defaultDeadlineMs: deadlineMs }),
  run: (argv, refunds, io) => runRefundsCli(argv, { ...io, refunds }),
});
