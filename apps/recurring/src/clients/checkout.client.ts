import {
  ChargeBoundCardRequest,
  CheckoutServiceClient,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { commonErrors } from '@tolem/errors';
import { createClient } from '@tolem/grpc-kit';

import type { ChargeOutcome, CheckoutChargePort } from '../scheduler/ports';

/** Only decided payments are final; anything else (created, pending, review) is asked again. */
function outcomeOf(status: PaymentStatus): ChargeOutcome {
  switch (status) {
    case PaymentStatus.PAYMENT_STATUS_SUCCEEDED:
      return 'succeeded';
    case PaymentStatus.PAYMENT_STATUS_FAILED:
    case PaymentStatus.PAYMENT_STATUS_EXPIRED:
    case PaymentStatus.PAYMENT_STATUS_CANCELED:
      return 'failed';
    default:
      return 'pending';
  }
}

/** CheckoutChargePort over gRPC to checkout (ChargeBoundCard); every call has a deadline. */
export function createCheckoutClient(
  address: string,
  options: { deadlineMs: number },
): CheckoutChargePort & { close(): void } {
  const client = createClient(CheckoutServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async chargeBoundCard(input) {
      const res = await client.chargeBoundCard(
        ChargeBoundCardRequest.fromPartial({
          merchantId: input.merchantId,
          idempotencyKey: input.idempotencyKey,
          bindingRef: input.bindingRef,
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
          description: input.description,
          orderId: input.orderId,
          metadata: input.metadata,
          livemode: input.livemode,
          customerRef: input.customerRef,
        }),
      );
      if (!res.payment?.id) {
        // Retriable: the same key is asked again and checkout answers its payment.
        throw commonErrors.create(
          'UPSTREAM_UNAVAILABLE',
          'checkout: ChargeBoundCard without a payment',
          {
            retriable: true,
          },
        );
      }
      return {
        paymentId: res.payment.id,
        outcome: outcomeOf(res.payment.status),
        declineCode: res.declineCode,
        reasonCode: res.reasonCode,
      };
    },
    close: () => client.close(),
  };
}
