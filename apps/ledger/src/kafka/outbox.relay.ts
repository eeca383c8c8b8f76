import type { Knex } from '@tolem/db-kit';
import { createOutboxProducer, startOutboxRelay } from '@tolem/kafka-kit';
import type { Logger } from '@tolem/observability';
import type { Kafka } from 'kafkajs';

export interface LedgerOutbox {
  /** Publish now (after a commit that wrote outbox rows); a no-op until Kafka is reachable. */
  wake(): void;
  /** Stops the relay after its current batch and disconnects its producer. */
  stop(): Promise<void>;
}

/**
 * The kafka-kit outbox relay with a producer it connects itself, in the background and again
 * after every failure (with backoff), because the ledger must keep taking payments while Kafka is
 * down or frozen: their events wait in the outbox and drain, in order, once it answers again.
 */
export function startLedgerOutbox(options: {
  kafka: Kafka;
  db: Knex;
  log: Logger;
  /** Rows per publish round (kafka-kit's default is 500). */
  batchSize?: number;
}): LedgerOutbox {
  const { kafka, db, log } = options;
  const relay = startOutboxRelay({
    db,
    log,
    batchSize: options.batchSize,
    connectProducer: () => createOutboxProducer(kafka),
  });
  return { wake: () => relay.wake(), stop: () => relay.stop() };
}
