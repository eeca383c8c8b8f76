import { PaymentMethod, Provider } from '@tolem/contracts/common';
import type { PaymentEvent } from '@tolem/contracts/events';

import type { EventAmount, NotificationEvent } from '../domain/notification-event';

/** Lower-case wire strings merchants see (the same as the gateway's method strings). */
export function methodString(method: PaymentMethod): string {
  switch (method) {
    case PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE:
      return 'webmoney_purse';
    case PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE:
      return 'webmoney_keeper_mobile';
    case PaymentMethod.PAYMENT_METHOD_CARD:
      return 'card';
    case PaymentMethod.PAYMENT_METHOD_WAVEPAY:
      return 'wavepay';
    case PaymentMethod.PAYMENT_METHOD_QR:
      return 'qr';
    default:
      return '';
  }
}

export function providerString(provider: Provider): string {
  switch (provider) {
    case Provider.PROVIDER_WEBMONEY:
      return 'webmoney';
    case Provider.PROVIDER_INTELLECTMONEY:
      return 'intellectmoney';
    case Provider.PROVIDER_PAYKASSMA:
      return 'paykassma';
    case Provider.PROVIDER_QR_ACQUIRER:
      return 'qr_acquirer';
    default:
      return '';
  }
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
    providerAttributes: { ...event.providerAttributes },
  };
}
