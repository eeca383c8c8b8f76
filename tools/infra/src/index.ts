/**
 * Real PostgreSQL and Apache Kafka for `npm start`, tests and benchmarks.
 * Each service comes from, in order: the environment (DATABASE_URL / KAFKA_BROKERS), a server this state
 * dir already runs, testcontainers (only when a Docker engine answers), or this machine's binaries
 * (Debian's PostgreSQL server; Kafka's released jars from Maven Central).
 */
import { createDatabases, dropDatabases } from './databases';
import { ensureKafka, startLocalKafka } from './kafka';
import { createTopics } from './kafka-client';
import { defaultKafkaCacheDir } from './maven';
import { ensurePostgres } from './postgres';
import type { InfraHandle, KafkaHandle, PostgresHandle, ProvisionOptions } from './types';
import { DEFAULT_KAFKA_VERSION, wasStartedHere } from './types';

export { createLocalCa, type IssueOptions, type LocalCa } from './local-ca';
export type {
  InfraHandle,
  KafkaHandle,
  PostgresHandle,
  ProvisionOptions,
  SecureKafkaOptions,
  SecureListeners,
  Source,
} from './types';
export { DEFAULT_KAFKA_VERSION };
export {
  createDatabases,
  createTopics,
  defaultKafkaCacheDir,
  dropDatabases,
  ensureKafka,
  ensurePostgres,
  startLocalKafka,
};

/** Both services, provisioned in parallel. If one fails, the other is stopped again (if this call started it). */
export async function provisionInfra(opts: ProvisionOptions): Promise<InfraHandle> {
  const [pg, kafka] = await Promise.allSettled([ensurePostgres(opts), ensureKafka(opts)]);
  if (pg.status === 'rejected' || kafka.status === 'rejected') {
    const started = [pg, kafka].flatMap((r) =>
      r.status === 'fulfilled' && wasStartedHere(r.value) ? [r.value] : [],
    );
    await Promise.allSettled(started.map((h) => h.stop()));
    const errors = [pg, kafka].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (errors.length === 1) throw errors[0];
    throw new AggregateError(errors, errors.map((e) => e.message).join('\n\n'));
  }
  const postgres: PostgresHandle = pg.value;
  const kafkaHandle: KafkaHandle = kafka.value;
  return {
    databaseUrl: postgres.url,
    kafkaBrokers: kafkaHandle.brokers,
    postgres,
    kafka: kafkaHandle,
    stop: async () => {
      await Promise.all([postgres.stop(), kafkaHandle.stop()]);
    },
  };
}
