import type { Knex } from '@tolem/db-kit';
import { createOutboxProducer, type OutboxRelay, startOutboxRelay } from '@tolem/kafka-kit';
import type { Logger } from '@tolem/observability';
import type { Kafka, Producer } from 'kafkajs';

export interface LedgerOutbox {
  /** Publish now (after a commit that wrote outbox rows); a no-op until Kafka is reachable. */
  wake(): void;
  /** Stops connecting and stops the relay after its current batch. */
  stop(): Promise<void>;
  /** Disconnects the producer (after stop). */
  disconnect(): Promise<void>;
}

/**
 * Starts the kafka-kit outbox relay once the producer connects. Connecting happens in the
 * background and is retried for ever, because the ledger must keep taking payments while Kafka
 * is down: their events wait in the outbox and drain, in order, once it is back.
 */
export function startLedgerOutbox(options: {
  kafka: Kafka;
  db: Knex;
  log: Logger;
  retryMaxMs?: number;
  /** Rows per publish round (kafka-kit's default is 500). */
  batchSize?: number;
}): LedgerOutbox {
  const { kafka, db, log } = options;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  let stopped = false;
  let producer: Producer | undefined;
  let relay: OutboxRelay | undefined;
  let cancelSleep: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      cancelSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  void (async () => {
    for (let attempt = 1; !stopped; attempt += 1) {
      try {
        const connected = await createOutboxProducer(kafka);
        if (stopped) {
          await connected.disconnect();
          return;
        }
        producer = connected;
        relay = startOutboxRelay({ db, producer: connected, log, batchSize: options.batchSize });
        log.info({ attempt }, 'outbox relay started');
        return;
      } catch (err) {
        log.warn({ err, attempt }, 'kafka unreachable; payment events wait in the outbox');
        await sleep(Math.min(retryMaxMs, 1_000 * 2 ** Math.min(attempt, 5)));
      }
    }
  })().catch((err: unknown) => log.error({ err }, 'outbox relay could not start'));

  return {
    wake: () => relay?.wake(),
    async stop() {
      stopped = true;
      cancelSleep?.();
      await relay?.stop();
    },
    async disconnect() {
      // A connect attempt still running finishes on its own and disconnects (stopped is set).
      await producer?.disconnect();
    },
  };
}
