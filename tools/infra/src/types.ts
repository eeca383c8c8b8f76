/** Where a service came from: the caller's environment, a Docker container, or this machine's binaries. */
export type Source = 'env' | 'testcontainers' | 'local';

export interface PostgresHandle {
  /** Superuser URL pointing at the database "postgres". */
  url: string;
  source: Source;
  stop(): Promise<void>;
}

export interface KafkaHandle {
  /** Comma-separated host:port list. */
  brokers: string;
  source: Source;
  version?: string;
  /** The broker's process, when this machine runs it (source 'local'): fault tests signal it. */
  pid?: number;
  /** The TLS listeners of a broker started with SecureKafkaOptions. */
  secure?: SecureListeners;
  stop(): Promise<void>;
}

/**
 * What a local broker also listens on for security tests, besides PLAINTEXT: SASL_SSL (SCRAM-SHA-512,
 * SCRAM-SHA-256 and PLAIN) and SSL requiring a client certificate. PEM files; the broker's
 * certificate must name 127.0.0.1, where it listens.
 */
export interface SecureKafkaOptions {
  certFile: string;
  keyFile: string;
  /** The CA the SSL listener checks client certificates against. */
  caFile: string;
  /** Users SASL accepts (created in the metadata when the storage is formatted). */
  users: { name: string; password: string }[];
  /**
   * Authorize with ACLs (Kafka's StandardAuthorizer): a SASL or SSL client may do only what an
   * ACL allows; PLAINTEXT clients are the super user that grants them.
   */
  acls?: boolean;
}

export interface SecureListeners {
  /** host:port of the SASL_SSL listener. */
  saslSsl: string;
  /** host:port of the SSL listener, which requires a client certificate. */
  ssl: string;
}

export interface InfraHandle {
  databaseUrl: string;
  kafkaBrokers: string;
  postgres: PostgresHandle;
  kafka: KafkaHandle;
  stop(): Promise<void>;
}

export interface ProvisionOptions {
  /** Where clusters, logs, pid/port files live (created if missing). */
  stateDir: string;
  /** Default false: tests run with fsync=off, synchronous_commit=off, full_page_writes=off. True for benchmarks. */
  durable?: boolean;
  /**
   * Preload pg_stat_statements in a cluster this call starts (benchmarks' BENCH_STATEMENTS); a
   * reused or external server is left as it is.
   */
  statementStats?: boolean;
  /**
   * Serve TLS with this certificate and key (PEM) in a local cluster this call creates, as a
   * managed PostgreSQL does: the TLS tests need one of their own (never a container's or a reused one).
   */
  postgresTls?: { certFile: string; keyFile: string };
  /** Default '4.1.2' (every kafkajs check and the whole test suite pass on it; 3.9.2 too). */
  kafkaVersion?: string;
  /** Progress lines. */
  log?: (msg: string) => void;
  /** Default process.env (DATABASE_URL / KAFKA_BROKERS). */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_KAFKA_VERSION = '4.1.2';

export type Logger = (msg: string) => void;

export const noLog: Logger = () => undefined;

/**
 * Handles whose server this process started (as opposed to reused or taken from the environment). When one
 * half of provisionInfra fails, only these are stopped again: a reused `npm start` server is left alone.
 */
const freshlyStarted = new WeakSet<object>();

export function markStarted<T extends object>(handle: T): T {
  freshlyStarted.add(handle);
  return handle;
}

export function wasStartedHere(handle: object): boolean {
  return freshlyStarted.has(handle);
}
