import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { PaymentEvent } from '@tolem/contracts/events';
import { type OutboxMessage, withTraceHeaders } from '@tolem/kafka-kit';

import type { PaymentEventRecord } from '../domain/events';
import { moneyToProto } from '../grpc/ledger.mapper';
import { methodToProto, providerToProto } from '../grpc/payment-enums.mapper';

/**
 * A payment event as its Kafka message: key = payment id (one payment's events stay on one
 * partition, in order), headers event-id / event-type (and the W3C trace context of the posting,
 * when traced), payload tolem.events.v1.PaymentEvent.
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
      livemode: e.livemode,
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
      refundId: e.refundId ?? '',
      recurringOperationId: e.recurring?.operationId ?? '',
      recurringChargeId: e.recurring?.chargeId ?? '',
      recurringAttempt: e.recurring?.attempt ?? 0,
      cardBindingId: e.recurring?.bindingId ?? '',
      receiptId: e.recurring?.receiptId ?? '',
      cancelReason: e.recurring?.cancelReason ?? '',
    }),
  ).finish();
  return {
    topic,
    key: e.paymentId,
    // The trace of the call that posted it (a batched write resumes each entry's own first).
    headers: withTraceHeaders({ 'event-id': e.eventId, 'event-type': e.eventType }),
    payload,
  };
}

/** Bytes of the sequence slot: a varint padded to the 10 bytes any int64 may take. */
export const SEQUENCE_SLOT_BYTES = 10;

/** PaymentEvent.sequence is field 16, wire type varint. */
const SEQUENCE_TAG = new BinaryWriter().uint32((16 << 3) | 0).finish();

/**
 * The same message with the sequence left as the payload's last SEQUENCE_SLOT_BYTES bytes, for
 * a writer that learns the number only inside its statement (the batch write fills the slot with
 * `ledger_varint10`). Protobuf lets a field come after the others and a varint carry padding
 * bytes, so every decoder reads the filled payload as the plain encoding.
 */
export function paymentEventMessageSequenceLast(
  topic: string,
  e: Omit<PaymentEventRecord, 'sequence'>,
): OutboxMessage {
  const message = paymentEventMessage(topic, { ...e, sequence: 0n });
  return {
    ...message,
    payload: Buffer.concat([message.payload, SEQUENCE_TAG, Buffer.alloc(SEQUENCE_SLOT_BYTES)]),
  };
}
