import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * Idempotent producer with one request in flight: the broker drops retried duplicates and a
 * retry can never overtake an earlier batch, so per-key order survives transient failures.
 */
export async function createOutboxProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The murmur2 partitioner Java clients use, so a payment id maps to the same partition everywhere.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}
