import type { ConnectionOptions } from 'node:tls';

import type { KafkaSaslMechanism, KafkaSecurity } from '@tolem/config';
import type { Logger } from '@tolem/observability';
import { Kafka, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
  /**
   * How to reach the brokers: the service's kafkaSecurity. Required, so that no service can
   * forget to pass it and connect in plaintext to a cluster that expects SASL_SSL.
   */
  security: KafkaSecurity;
}

const SASL_MECHANISMS: Record<KafkaSaslMechanism, 'scram-sha-512' | 'scram-sha-256' | 'plain'> = {
  'SCRAM-SHA-512': 'scram-sha-512',
  'SCRAM-SHA-256': 'scram-sha-256',
  PLAIN: 'plain',
};

/**
 * kafkajs's `ssl` and `sasl` for a configured security. TLS always verifies the brokers'
 * certificates (against the given CA, else the system's); kafkajs names each broker as the
 * server name, so a certificate must cover every advertised host.
 */
export function kafkaSecurityOptions(security: KafkaSecurity | undefined): {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
} {
  const options: { ssl?: ConnectionOptions; sasl?: SASLOptions } = {};
  if (security?.tls) {
    const { ca, cert, key } = security.tls;
    options.ssl = {
      rejectUnauthorized: true,
      ...(ca === undefined ? {} : { ca: [ca] }),
      ...(cert === undefined || key === undefined ? {} : { cert, key: key.reveal() }),
    };
  }
  if (security?.sasl) {
    const { mechanism, username, password } = security.sasl;
    options.sasl = { mechanism: SASL_MECHANISMS[mechanism], username, password: password.reveal() };
  }
  return options;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Client timeouts. A broker that is frozen (SIGSTOP, a VM pause, a GC stall) still completes TCP
 * handshakes in the kernel and never closes a connection, so nothing is refused: only these
 * timeouts let a client notice, give up, and try again soon after the broker answers again.
 * - connectionTimeout 3 s: a handshake on a loaded local network takes milliseconds.
 * - requestTimeout 10 s (kafkajs default 30 s): long enough for a produce with acks=all on a busy
 *   broker, short enough that a frozen one is noticed in seconds. Fetches wait maxWaitTime (5 s)
 *   plus 5 s and JoinGroup rebalanceTimeout plus 5 s on top (see CONSUMER_TIMEOUTS).
 * - retry 200 ms doubling to 5 s, 8 retries: an operation gives up after about 20 s of a refusing
 *   broker, or two minutes of a frozen one (nine 10 s timeouts); the outbox relay and the consumer
 *   supervisor then start over with their own backoff. Once the broker answers, the next retry
 *   (at most 5 s later) goes through.
 */
export const KAFKA_CLIENT_TIMEOUTS = Object.freeze({
  connectionTimeout: 3_000,
  requestTimeout: 10_000,
  enforceRequestTimeout: true,
});

/** A kafkajs client whose logs go through the service's structured logger. */
export function createKafka(options: KafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...kafkaSecurityOptions(options.security),
    ...KAFKA_CLIENT_TIMEOUTS,
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
