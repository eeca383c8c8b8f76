import { QrServiceClient } from '@tolem/contracts/qr';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { dlqTopicOf } from '@tolem/kafka-kit';
import {
  freePort,
  grpcServing,
  integrationEnv,
  randomSuffix,
  type ServiceProcess,
  spawnService,
  uniqueTopic,
} from '@tolem/testing';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';

/** A unique payments topic (and its DLQ) for one test file, with a producer on it. */
export async function paymentsTopic(prefix: string): Promise<{
  topic: string;
  groupId: string;
  producer: Producer;
  close(): Promise<void>;
}> {
  const topic = uniqueTopic(prefix);
  const groupId = `qr-platform-it-${randomSuffix()}`;
  const kafka = new Kafka({
    clientId: 'qr-platform-it',
    brokers: integrationEnv().kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin: Admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1 },
      { topic: dlqTopicOf(topic, groupId), numPartitions: 1, replicationFactor: 1 },
    ],
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    topic,
    groupId,
    producer,
    async close() {
      await producer.disconnect();
      await admin
        .deleteTopics({ topics: [topic, dlqTopicOf(topic, groupId)] })
        .catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export interface QrPlatform {
  service: ServiceProcess;
  /** host:port of its gRPC server. */
  address: string;
  client: PromiseClient<QrServiceClient>;
  stop(): Promise<void>;
}

/** The real qr-platform process on its own port, ready (listening and consuming). */
export async function startQrPlatform(options: {
  databaseUrl: string;
  topic: string;
  groupId: string;
}): Promise<QrPlatform> {
  const port = await freePort();
  const service = await spawnService({
    name: 'qr-platform',
    entry: 'apps/qr-platform/src/main.ts',
    env: {
      DATABASE_URL: options.databaseUrl,
      KAFKA_BROKERS: integrationEnv().kafkaBrokers,
      PAYMENTS_TOPIC: options.topic,
      KAFKA_GROUP_ID: options.groupId,
      GRPC_PORT: String(port),
      MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'warn',
      QR_PROVIDER_ID: 'qr.tolem.kg',
      QR_SERVICE_CODE: 'merchant',
      QR_MERCHANT_DISPLAY_NAME: 'Tolem QR',
    },
    ready: () => grpcServing(`127.0.0.1:${port}`),
  });
  const client = createClient(QrServiceClient, `127.0.0.1:${port}`);
  return {
    service,
    address: `127.0.0.1:${port}`,
    client,
    async stop() {
      client.close();
      await service.stop();
    },
  };
}
