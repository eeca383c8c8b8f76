import { PaymentEvent } from '@tolem/contracts/events';
import type { OutboxMessage } from '@tolem/kafka-kit';

import type { PaymentEventRecord } from '../domain/events';
import { moneyToProto } from '../grpc/ledger.mapper';
import { methodToProto, providerToProto } from '../grpc/payment-enums.mapper';

/**
 * A payment event as its Kafka message: key = payment id (one payment's events stay on one
 * partition, in order), headers event-id / event-type, payload tolem.events.v1.PaymentEvent.
 */
export function paymentEventMessage(topic: string, e: PaymentEventRecord): OutboxMessage {
  const payload = PaymentEvent.encode(
    PaymentEvent.fromPartial({
      eventId: e.eventId,
      eventType: e.eventType,
      occurredAt: e.occurredAt,
      paymentId: e.paymentId,
      merchantId: e.merchantId,
      orderId: e.orderId,
      gross: moneyToProto(e.gross),
      fee: moneyToProto(e.fee),
      net: moneyToProto(e.net),
      method: methodToProto(e.method),
      provider: providerToProto(e.provider),
      providerPaymentId: e.providerPaymentId,
      providerAttributes: e.providerAttributes,
      ledgerTransactionId: e.ledgerTransactionId,
      description: e.description,
      sequence: e.sequence,
      paymentStatus: e.paymentStatus,
      failureCode: e.failureCode,
      caseId: e.caseId ?? '',
      caseKind: e.caseKind ?? '',
      caseResolution: e.caseResolution ?? '',
    }),
  ).finish();
  return {
    topic,
    key: e.paymentId,
    headers: { 'event-id': e.eventId, 'event-type': e.eventType },
    payload,
  };
}
