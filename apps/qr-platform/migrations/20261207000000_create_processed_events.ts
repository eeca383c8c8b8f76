import { processedEventsMigration } from '@tolem/kafka-kit';

/** Dedupe table of the idempotent Kafka consumer (one row per handled event id). */
export const { up, down } = processedEventsMigration;
