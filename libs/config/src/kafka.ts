import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { ConfigError, envs } from './env';
import { Secret } from './secret';

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
  ...kafkaSecurityEnv(),
});

/** The parsed Kafka variables (what `parseEnv` returns for a schema spreading kafkaEnv). */
export type KafkaEnv = z.infer<z.ZodObject<ReturnType<typeof kafkaEnv>>>;

/** The Kafka part of a consuming service's config. */
export interface KafkaConfig {
  kafkaBrokers: string[];
  paymentsTopic: string;
  groupId: string;
  kafkaSecurity: KafkaSecurity;
}

/** A comma-separated broker list as kafkajs takes it: entries trimmed, empty ones dropped. */
export function splitBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

const brokerProblems = (e: KafkaEnv): string[] =>
  splitBrokers(e.KAFKA_BROKERS).length === 0
    ? ['KAFKA_BROKERS: expected host:port[,host:port…]']
    : [];

/**
 * What zod cannot see in the Kafka variables: a KAFKA_BROKERS of only commas and blanks, and the
 * security variables' problems (kafkaSecurityOf). Empty when there is nothing wrong; for a loader
 * that reports them together with its own checks.
 */
export function kafkaProblems(e: KafkaEnv): string[] {
  return [...brokerProblems(e), ...kafkaSecurityOf(e).problems];
}

/**
 * Maps the parsed Kafka variables into a service's config (spread it into the result); throws a
 * ConfigError naming KAFKA_BROKERS when the list holds no broker, or the security variables
 * that are wrong (kafkaSecurityOf).
 */
export function kafkaConfig(e: KafkaEnv): KafkaConfig {
  // The security files are read once here, not once more for the problems.
  const { security, problems } = kafkaSecurityOf(e);
  const all = [...brokerProblems(e), ...problems];
  if (all.length > 0 || !security) throw new ConfigError(all);
  return {
    kafkaBrokers: splitBrokers(e.KAFKA_BROKERS),
    paymentsTopic: e.PAYMENTS_TOPIC,
    groupId: e.KAFKA_GROUP_ID,
    kafkaSecurity: security,
  };
}

/** Kafka's own names for a listener's `security.protocol`. */
export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];

/** Kafka's own names for `sasl.mechanism`. */
export const KAFKA_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * How a service reaches the brokers: spread into its env schema (kafkaEnv does). PLAINTEXT, the
 * default, suits a broker on the same machine; a cluster's is SASL_SSL (the prod overlay sets it
 * and deploy/src/infrastructure-security.spec.ts holds it there). Files are PEM; without KAFKA_TLS_CA_FILE the system's CAs
 * verify the brokers (managed Kafka services use public ones).
 */
export const kafkaSecurityEnv = () => ({
  KAFKA_SECURITY_PROTOCOL: z.enum(KAFKA_SECURITY_PROTOCOLS).default('PLAINTEXT'),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  /** A client certificate and its key, for brokers that authenticate clients by TLS (mTLS). */
  KAFKA_TLS_CERT_FILE: z.string().min(1).optional(),
  KAFKA_TLS_KEY_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(KAFKA_SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: envs.secret().optional(),
});

/** The parsed security variables (what `parseEnv` returns for a schema spreading kafkaSecurityEnv). */
export type KafkaSecurityEnv = z.infer<z.ZodObject<ReturnType<typeof kafkaSecurityEnv>>>;

/** TLS towards the brokers: PEM contents read at start-up. */
export interface KafkaTls {
  /** Trusted CAs; the system's when absent. */
  ca?: string;
  cert?: string;
  key?: Secret;
}

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: Secret;
}

/** What createKafka (libs/kafka-kit) needs to reach the brokers as configured. */
export interface KafkaSecurity {
  protocol: KafkaSecurityProtocol;
  /** Present exactly when the protocol is SSL or SASL_SSL. */
  tls?: KafkaTls;
  /** Present exactly when the protocol is SASL_PLAINTEXT or SASL_SSL. */
  sasl?: KafkaSasl;
}

const SASL_VARIABLES = [
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
] as const;
const TLS_FILES = ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'] as const;

/** Reads a PEM file a variable names; a problem naming the variable (never the contents) otherwise. */
function readPem(
  name: (typeof TLS_FILES)[number],
  file: string | undefined,
  problems: string[],
  read: (file: string) => string,
): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = read(file);
  } catch {
    problems.push(`${name}: ${file} is missing or not readable`);
    return undefined;
  }
  if (!text.includes('-----BEGIN ')) {
    problems.push(`${name}: ${file} holds no PEM block`);
    return undefined;
  }
  return text;
}

/**
 * The security of the Kafka connection, or every problem with it: a variable that the protocol
 * would silently ignore (credentials with PLAINTEXT would otherwise connect unauthenticated, in
 * the clear), a missing credential, half a client certificate, an unreadable file, or PLAIN's
 * password sent without TLS. `read` is for tests.
 */
export function kafkaSecurityOf(
  e: KafkaSecurityEnv,
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): { security?: KafkaSecurity; problems: string[] } {
  const protocol = e.KAFKA_SECURITY_PROTOCOL;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol.startsWith('SASL_');
  const problems: string[] = [];
  for (const name of SASL_VARIABLES) {
    if (usesSasl && e[name] === undefined)
      problems.push(`${name}: required when KAFKA_SECURITY_PROTOCOL=${protocol}`);
    if (!usesSasl && e[name] !== undefined)
      problems.push(
        `${name}: set, but KAFKA_SECURITY_PROTOCOL=${protocol} uses no SASL (SASL_SSL does)`,
      );
  }
  for (const name of TLS_FILES) {
    if (!usesTls && e[name] !== undefined)
      problems.push(
        `${name}: set, but KAFKA_SECURITY_PROTOCOL=${protocol} uses no TLS (SSL and SASL_SSL do)`,
      );
  }
  if (usesSasl && !usesTls && e.KAFKA_SASL_MECHANISM === 'PLAIN') {
    problems.push(
      'KAFKA_SASL_MECHANISM: PLAIN would send the password in the clear over SASL_PLAINTEXT; use SASL_SSL or SCRAM',
    );
  }
  if (usesTls && (e.KAFKA_TLS_CERT_FILE === undefined) !== (e.KAFKA_TLS_KEY_FILE === undefined)) {
    problems.push(
      'KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE: set both (a client certificate) or neither',
    );
  }
  if (problems.length > 0) return { problems };

  let tls: KafkaTls | undefined;
  if (usesTls) {
    const ca = readPem('KAFKA_TLS_CA_FILE', e.KAFKA_TLS_CA_FILE, problems, read);
    const cert = readPem('KAFKA_TLS_CERT_FILE', e.KAFKA_TLS_CERT_FILE, problems, read);
    const key = readPem('KAFKA_TLS_KEY_FILE', e.KAFKA_TLS_KEY_FILE, problems, read);
    tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key: new Secret(key) }),
    };
  }
  if (problems.length > 0) return { problems };
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = e;
  const password = e.KAFKA_SASL_PASSWORD;
  const sasl =
    usesSasl && mechanism && username && password ? { mechanism, username, password } : undefined;
  return {
    security: { protocol, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) },
    problems,
  };
}
