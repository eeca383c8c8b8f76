import {
  type PaymentMethod,
  paymentMethodName,
  type Provider,
  providerName,
} from '@tolem/contracts/common';
import type { PaymentEvent } from '@tolem/contracts/events';

import type { EventAmount, NotificationEvent } from '../domain/notification-event';

/** Lower-case wire strings merchants see (the gateway's method names); '' when unknown. */
export function methodString(method: PaymentMethod): string {
  return paymentMethodName(method) ?? '';
}

export function providerString(provider: Provider): string {
  return providerName(provider) ?? '';
}

function amount(m: { amountMinor: bigint; currency: string } | undefined): EventAmount | undefined {
  return m ? { amountMinor: m.amountMinor, currency: m.currency } : undefined;
}

/**
 * Proto event -> domain event. The Kafka headers are authoritative for id and type (the consumer
 * deduplicates on the header id); the payload fills them when a header is empty.
 */
export function notificationEventOf(
  event: PaymentEvent,
  headers: { eventId: string; eventType: string },
): NotificationEvent {
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
    ledgerTransactionId: event.ledgerTransactionId,
    description: event.description,
    sequence: event.sequence,
    paymentStatus: event.paymentStatus,
    failureCode: event.failureCode,
    refundId: event.refundId,
    providerAttributes: { ...event.providerAttributes },
  };
}
