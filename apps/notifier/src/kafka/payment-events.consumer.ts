import { PaymentEvent } from '@tolem/contracts/events';
import type { Knex } from '@tolem/db-kit';
import { startIdempotentConsumer, type SupervisedConsumer } from '@tolem/kafka-kit';
import type { Logger } from '@tolem/observability';
import type { Kafka } from 'kafkajs';

import type { NotificationEvent } from '../domain/notification-event';
import { notificationEventOf } from './payment-event.mapper';

export interface PaymentEventsConsumerOptions {
  kafka: Kafka;
  db: Knex;
  log: Logger;
  groupId: string;
  topic: string;
  /** The record-delivery use case bound to the consumer's transaction. */
  recordDeliveryIn(trx: Knex.Transaction): (event: NotificationEvent) => Promise<unknown>;
}

/**
 * payments.events.v1 -> pending deliveries. The delivery row and the processed event id commit in
 * one transaction, and the offset only after it, so an event is never lost nor notified twice.
 */
export function startPaymentEventsConsumer(
  options: PaymentEventsConsumerOptions,
): SupervisedConsumer {
  return startIdempotentConsumer<PaymentEvent>({
    kafka: options.kafka,
    db: options.db,
    log: options.log,
    groupId: options.groupId,
    topic: options.topic,
    decode: (value) => PaymentEvent.decode(value),
    async handle(trx, message) {
      const event = notificationEventOf(message.event, {
        eventId: message.eventId,
        eventType: message.eventType,
      });
      await options.recordDeliveryIn(trx)(event);
    },
  });
}
