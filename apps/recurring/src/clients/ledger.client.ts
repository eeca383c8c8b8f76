import { LedgerServiceClient, RecordPaymentEventRequest } from '@tolem/contracts/ledger';
import { createClient } from '@tolem/grpc-kit';

import type { LedgerFactsPort } from '../scheduler/ports';

/**
 * LedgerFactsPort over gRPC: a recurring fact is a RecordPaymentEvent with payment_status empty
 * and the recurring fields set; the ledger publishes it like every payment event. An answer that
 * the payment's money already moved (superseded) is an answer too: the fact is done.
 */
export function createLedgerClient(
  address: string,
  options: { deadlineMs: number },
): LedgerFactsPort & { close(): void } {
  const client = createClient(LedgerServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async recordFact(fact) {
      await client.recordPaymentEvent(
        RecordPaymentEventRequest.fromPartial({
          idempotencyKey: fact.idempotencyKey,
          paymentId: fact.paymentId,
          merchantId: fact.merchantId,
          eventType: fact.eventType,
          paymentStatus: '',
          amount: { amountMinor: fact.amount.amountMinor, currency: fact.amount.currency },
          orderId: fact.chargeId ?? '',
          description: fact.description,
          failureCode: fact.failureCode ?? '',
          occurredAt: fact.occurredAt,
          livemode: fact.livemode,
          recurringOperationId: fact.operationId,
          recurringChargeId: fact.chargeId ?? '',
          recurringAttempt: fact.attempt ?? 0,
          cardBindingId: fact.bindingId,
          receiptId: fact.receiptId ?? '',
          cancelReason: fact.cancelReason ?? '',
        }),
      );
    },
    close: () => client.close(),
  };
}
