import { PaymentEvent } from '@tolem/contracts/events';
import { ReportingServiceClient } from '@tolem/contracts/reporting';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { dlqTopicOf } from '@tolem/kafka-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  integrationEnv,
  randomSuffix,
  type ServiceProcess,
  spawnService,
  uniqueTopic,
} from '@tolem/testing';
import { type Admin, Kafka, logLevel } from 'kafkajs';

/** A fresh database for one test file, with a connection to read what reporting wrote. */
export interface TestDatabase {
  url: string;
  db: Knex;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

export async function testDatabase(prefix: string): Promise<TestDatabase> {
  const database = await freshDatabase(prefix);
  const db = createKnex({ url: database.url, poolMax: 2 });
  return {
    url: database.url,
    db,
    async drop() {
      await db.destroy();
      await database.drop();
    },
  };
}

/** A payments topic of one test file and the DLQ of its consumer group, with a producer on it. */
export interface PaymentsTopic {
  topic: string;
  groupId: string;
  dlqTopic: string;
  admin: Admin;
  /**
   * Publishes the events in order, each keyed by its payment and carrying the event-id and
   * event-type headers the publishers send (or only `headers`, when given).
   */
  publish(events: PaymentEvent[], headers?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** `name` tells the file's topic, consumer group and Kafka client apart in the broker's view. */
export async function paymentsTopic(name: string): Promise<PaymentsTopic> {
  const topic = uniqueTopic(`payments.events.${name}`);
  const groupId = `reporting-${name}-${randomSuffix()}`;
  const dlqTopic = dlqTopicOf(topic, groupId);
  const kafka = new Kafka({
    clientId: `reporting-${name}`,
    brokers: integrationEnv().kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1 },
      { topic: dlqTopic, numPartitions: 1, replicationFactor: 1 },
    ],
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    topic,
    groupId,
    dlqTopic,
    admin,
    async publish(events, headers) {
      await producer.send({
        topic,
        acks: -1,
        messages: events.map((event) => ({
          key: event.paymentId,
          value: Buffer.from(PaymentEvent.encode(event).finish()),
          headers: headers ?? { 'event-id': event.eventId, 'event-type': event.eventType },
        })),
      });
    },
    async close() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export interface RunningReporting {
  service: ServiceProcess;
  /** host:port of its gRPC server. */
  address: string;
  client: PromiseClient<ReportingServiceClient>;
  stop(): Promise<void>;
}

/**
 * The real reporting process on its own port, consuming `payments` into the database at
 * `databaseUrl`, ready (serving gRPC); `env` adds to or overrides its settings.
 */
export async function startReporting(
  databaseUrl: string,
  payments: PaymentsTopic,
  env: Record<string, string> = {},
): Promise<RunningReporting> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const service = await spawnService({
    name: 'reporting',
    entry: 'apps/reporting/src/main.ts',
    env: {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: integrationEnv().kafkaBrokers,
      PAYMENTS_TOPIC: payments.topic,
      KAFKA_GROUP_ID: payments.groupId,
      GRPC_PORT: String(port),
      MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'warn',
      ...env,
    },
    ready: () => grpcServing(address),
  });
  const client = createClient(ReportingServiceClient, address);
  return {
    service,
    address,
    client,
    async stop() {
      client.close();
      await service.stop();
    },
  };
}
