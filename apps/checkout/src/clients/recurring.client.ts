import {
  BindingState,
  RecordCardBindingRequest,
  RecurringServiceClient,
} from '@tolem/contracts/recurring';
import { createClient } from '@tolem/grpc-kit';

import type { RecurringPort } from '../domain/ports';

/** RecurringPort over gRPC to the recurring service; every call has a deadline. */
export function createRecurringClient(
  address: string,
  options: { deadlineMs: number },
): RecurringPort & { close(): void } {
  const client = createClient(RecurringServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async recordCardBinding(input) {
      const res = await client.recordCardBinding(
        RecordCardBindingRequest.fromPartial({
          merchantId: input.merchantId,
          paymentId: input.paymentId,
          providerBindingRef: input.binding.bindingRef,
          state:
            input.binding.state === 'activated'
              ? BindingState.BINDING_STATE_ACTIVATED
              : BindingState.BINDING_STATE_ERROR,
          cardLast4: input.binding.cardLast4,
          firstAmount: {
            amountMinor: input.firstAmount.amountMinor,
            currency: input.firstAmount.currency,
          },
          customerRef: input.customerRef,
          cardExpiry: input.cardExpiry,
          livemode: input.livemode,
        }),
      );
      return { alreadyExisted: res.alreadyExisted };
    },
    close: () => client.close(),
  };
}
