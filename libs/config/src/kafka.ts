import { z } from 'zod';

import { ConfigError } from './env';

/**
 * The variables of a service consuming the payment events, to spread into its env schema:
 * `z.object({ ...kafkaEnv({ groupId: 'notifier' }), … })`. `groupId` is KAFKA_GROUP_ID's default,
 * the service's own name. The brokers are split and checked after parsing (kafkaConfig).
 */
export const kafkaEnv = ({ groupId }: { groupId: string }) => ({
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z.string().min(1),
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events.v1'),
  /** Consumer group = service name; tests override it to stay isolated. */
  KAFKA_GROUP_ID: z.string().min(1).default(groupId),
});

/** The parsed Kafka variables (what `parseEnv` returns for a schema spreading kafkaEnv). */
export type KafkaEnv = z.infer<z.ZodObject<ReturnType<typeof kafkaEnv>>>;

/** The Kafka part of a consuming service's config. */
export interface KafkaConfig {
  kafkaBrokers: string[];
  paymentsTopic: string;
  groupId: string;
}

/** A comma-separated broker list as kafkajs takes it: entries trimmed, empty ones dropped. */
export function splitBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/**
 * What zod cannot see in the Kafka variables: a KAFKA_BROKERS of only commas and blanks. Empty
 * when there is nothing wrong; for a loader that reports it together with its own checks.
 */
export function kafkaProblems(e: KafkaEnv): string[] {
  return splitBrokers(e.KAFKA_BROKERS).length === 0
    ? ['KAFKA_BROKERS: expected host:port[,host:port…]']
    : [];
}

/**
 * Maps the parsed Kafka variables into a service's config (spread it into the result); throws a
 * ConfigError naming KAFKA_BROKERS when the list holds no broker.
 */
export function kafkaConfig(e: KafkaEnv): KafkaConfig {
  const problems = kafkaProblems(e);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    kafkaBrokers: splitBrokers(e.KAFKA_BROKERS),
    paymentsTopic: e.PAYMENTS_TOPIC,
    groupId: e.KAFKA_GROUP_ID,
  };
}
