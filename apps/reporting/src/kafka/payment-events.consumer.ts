import { PaymentEvent } from '@tolem/contracts/events';
import type { Knex } from '@tolem/db-kit';
import { startIdempotentConsumer, type SupervisedConsumer } from '@tolem/kafka-kit';
import type { Logger } from '@tolem/observability';
import type { Kafka } from 'kafkajs';

import type { ReportEvent } from '../domain/payment-fact';
import { reportEventOf } from './payment-event.mapper';

export interface PaymentEventsConsumerOptions {
  kafka: Kafka;
  db: Knex;
  log: Logger;
  groupId: string;
  topic: string;
  /** The apply-event use case bound to the consumer's transaction. */
  applyIn(trx: Knex.Transaction): (event: ReportEvent) => Promise<unknown>;
}

/**
 * payments.events.v1 -> payment facts and daily totals. Fact, totals and the processed event id
 * commit in one transaction, and the offset only after it.
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
      await options.applyIn(trx)(
        reportEventOf(message.event, { eventId: message.eventId, eventType: message.eventType }),
      );
    },
  });
}
