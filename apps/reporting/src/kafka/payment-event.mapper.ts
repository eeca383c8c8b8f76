import type { PaymentEvent } from '@tolem/contracts/events';

import type { EventAmount, ReportEvent } from '../domain/payment-fact';
import { methodString, providerString } from '../payment-enums';

function amount(m: { amountMinor: bigint; currency: string } | undefined): EventAmount | undefined {
  return m ? { amountMinor: m.amountMinor, currency: m.currency } : undefined;
}

/** Proto event -> domain event; the Kafka headers win for id and type (the consumer dedupes on them). */
export function reportEventOf(
  event: PaymentEvent,
  headers: { eventId: string; eventType: string },
): ReportEvent {
  return {
    eventId: headers.eventId || event.eventId,
    eventType: headers.eventType || event.eventType,
    occurredAt: event.occurredAt,
    paymentId: event.paymentId,
    merchantId: event.merchantId,
    orderId: event.orderId,
    gross: amount(event.gross),
    fee: amount(event.fee),
    net: amount(event.net),
    method: methodString(event.method),
    provider: providerString(event.provider),
    providerPaymentId: event.providerPaymentId,
    providerAttributes: { ...event.providerAttributes },
    sequence: event.sequence,
    paymentStatus: event.paymentStatus,
    failureCode: event.failureCode,
    caseId: event.caseId,
    caseKind: event.caseKind,
    caseResolution: event.caseResolution,
    refundId: event.refundId,
  };
}
