import { MerchantServiceClient } from '@tolem/contracts/checkout';
import { createClient } from '@tolem/grpc-kit';

import { runMerchantsCli, USAGE } from './merchants.cli';
import { runOperatorTool } from './operator-tool';

/**
 * `npm run merchants -- create | get | list | update | keys …`: the operators' tool for merchants
 * and their API keys, over checkout's MerchantService. Exit code 0 when done, 1 when checkout
 * refused it or could not be reached, 2 on a usage error.
 */
runOperatorTool({
  name: 'merchants',
  usage: USAGE,
  connect: (addr, deadlineMs) =>
    createClient(MerchantServiceClient, addr, { defaultDeadlineMs: deadlineMs }),
  run: (argv, merchants, io) => runMerchantsCli(argv, { ...io, merchants }),
});
