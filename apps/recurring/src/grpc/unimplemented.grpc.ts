import { commonErrors } from '@tolem/errors';

import type { OtherRecurringHandlers } from './recurring.grpc';

/**
 * Placeholder for the charges, receipts and test-clock RPCs until their branches are merged
 * (grpc/charges.grpc.ts, grpc/receipts.grpc.ts replace it): answers UNIMPLEMENTED.
 */
export function unimplementedRecurringHandlers(): OtherRecurringHandlers {
  const refuse = (rpc: string) => () =>
    Promise.reject(commonErrors.create('NOT_IMPLEMENTED', `${rpc} is not available yet`));
  return {
    listCharges: refuse('ListCharges'),
    getReceipt: refuse('GetReceipt'),
    listReceipts: refuse('ListReceipts'),
    advanceTestClock: refuse('AdvanceTestClock'),
  };
}
