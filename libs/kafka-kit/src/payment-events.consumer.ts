import {
  type PaymentMethod,
  paymentMethodName,
  type Provider,
  providerName,
} from '@tolem/contracts/common';
import { PaymentEvent as PaymentEventProto } from '@tolem/contracts/events';
import { type Money, money } from '@tolem/money';
import { annotateSpan, runWithLogContext } from '@tolem/observability';
import type { PaymentEvent } from '@tolem/payment-events';
import type { Knex } from 'knex';

import {
  CONSUMER_HEALTH,
  type SuperviseConsumerOptions,
  type SupervisedConsumer,
} from './consumer.supervisor';
import { type IdempotentConsumerOptions, startIdempotentConsumer } from './idempotent.consumer';

/** Lower-case method name merchants and reports see (the gateway's names); '' when unknown. */
export function methodNameOf(method: PaymentMethod): PaymentEvent['method'] {
  return paymentMethodName(method) ?? '';
}

/** Lower-case provider name; '' when unknown. */
export function providerNameOf(provider: Provider): PaymentEvent['provider'] {
  return providerName(provider) ?? '';
}

function moneyOf(m: { amountMinor: bigint; currency: string } | undefined): Money | undefined {
  // money() refuses a currency Tolem does not handle: the event is then undecodable (DLQ).
  return m ? money(m.amountMinor, m.currency) : undefined;
}

/** Proto event -> the typed event; throws (a DomainError) on an amount in an unknown currency. */
export function paymentEventOf(event: PaymentEventProto): PaymentEvent {
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    paymentId: event.paymentId,
    merchantId: event.merchantId,
    orderId: event.orderId,
    livemode: event.livemode,
    gross: moneyOf(event.gross),
    fee: moneyOf(event.fee),
    net: moneyOf(event.net),
    method: methodNameOf(event.method),
    provider: providerNameOf(event.provider),
    providerPaymentId: event.providerPaymentId,
    providerAttributes: { ...event.providerAttributes },
    ledgerTransactionId: event.ledgerTransactionId,
    description: event.description,
    sequence: event.sequence,
    paymentStatus: event.paymentStatus,
    failureCode: event.failureCode,
    caseId: event.caseId,
    caseKind: event.caseKind,
    caseResolution: event.caseResolution,
    refundId: event.refundId,
    // Only recurring events name an operation; the others leave the whole group out.
    ...(event.recurringOperationId
      ? {
          recurring: {
            operationId: event.recurringOperationId,
            chargeId: event.recurringChargeId,
            attempt: event.recurringAttempt,
            bindingId: event.cardBindingId,
            receiptId: event.receiptId,
            cancelReason: event.cancelReason,
          },
        }
      : {}),
  };
}

/** Decodes a payments.events.v1 payload; throws on bytes that are not one (the DLQ's reason). */
export function decodePaymentEvent(value: Buffer): PaymentEvent {
  return paymentEventOf(PaymentEventProto.decode(value));
}

export interface PaymentEventsConsumerOptions
  extends Pick<
      IdempotentConsumerOptions<PaymentEvent>,
      'kafka' | 'db' | 'log' | 'groupId' | 'topic'
    >,
    Pick<SuperviseConsumerOptions, 'minBackoffMs' | 'maxBackoffMs'> {
  /**
   * The service's work for one event, inside the transaction that also records its id. Throw a
   * DomainError that is not retriable for an event that can never succeed (it goes to the DLQ).
   */
  handle(trx: Knex.Transaction, event: PaymentEvent): Promise<unknown>;
  /**
   * Told whether events are being consumed, as CONSUMER_HEALTH (grpc-kit's server: a health
   * service of its own, not readiness: the service's API does not need the broker).
   */
  health?: { reportStatus(name: string, serving: boolean): void };
}

/**
 * The consumer's per-message step: the typed event (Kafka headers authoritative for id and type)
 * to the service's handler, inside a log context naming the event's payment and merchant, so
 * every line the handler writes says what it is about.
 */
export function paymentEventHandler(handle: PaymentEventsConsumerOptions['handle']) {
  return async (
    trx: Knex.Transaction,
    message: { eventId: string; eventType: string; event: PaymentEvent },
  ): Promise<void> => {
    const { merchantId, paymentId } = message.event;
    // The consumer span (traceConsume) can be found by the payment it is about.
    annotateSpan({
      ...(merchantId ? { 'tolem.merchant_id': merchantId } : {}),
      ...(paymentId ? { 'tolem.payment_id': paymentId } : {}),
    });
    await runWithLogContext(
      { ...(merchantId ? { merchantId } : {}), ...(paymentId ? { paymentId } : {}) },
      () =>
        handle(trx, {
          ...message.event,
          eventId: message.eventId,
          eventType: message.eventType || message.event.eventType,
        }),
    );
  };
}

/**
 * The payments.events.v1 consumer of every service that reacts to payment facts: decodes the
 * protobuf PaymentEvent into the typed event (Money amounts), runs the handler and records the
 * event id in processed_events in one transaction (a redelivered event is skipped), commits the
 * offset after it, and sends what can never be handled (no event-id header, undecodable bytes, an
 * unknown currency, a non-retriable DomainError) to the group's DLQ. The Kafka headers are
 * authoritative for id and type; the payload fills an empty type.
 */
export function startPaymentEventsConsumer(
  options: PaymentEventsConsumerOptions,
): SupervisedConsumer {
  const { handle, health, ...rest } = options;
  const consumer = startIdempotentConsumer<PaymentEvent>({
    ...rest,
    decode: decodePaymentEvent,
    handle: paymentEventHandler(handle),
  });
  if (health) {
    health.reportStatus(CONSUMER_HEALTH, false);
    consumer.onConsumingChange((consuming) => health.reportStatus(CONSUMER_HEALTH, consuming));
  }
  return consumer;
}
