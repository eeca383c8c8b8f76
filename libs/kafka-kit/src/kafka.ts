import type { Logger } from '@tolem/observability';
import { Kafka, type LogEntry, logLevel } from 'kafkajs';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through the service's structured logger. */
export function createKafka(options: KafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        options.log[levels[level] ?? 'info']({ kafka: namespace, ...extra }, String(message));
      },
  });
}

/** The dead-letter topic of a consumer group: messages it can never handle, kept for inspection. */
export function dlqTopicOf(topic: string, groupId: string): string {
  return `${topic}.${groupId}.dlq`;
}
