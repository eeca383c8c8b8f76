import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { PaymentEvent } from '@tolem/contracts/events';
import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { type OutboxMessage, outboxMessagesOf, type OutboxRow } from '@tolem/kafka-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  integrationEnv,
  randomSuffix,
  REPO_ROOT,
  type ServiceProcess,
  spawnService,
  uniqueTopic,
  waitFor,
} from '@tolem/testing';
import { type Consumer, Kafka, type KafkaMessage, logLevel } from 'kafkajs';

export interface RunningLedger {
  service: ServiceProcess;
  port: number;
  client: PromiseClient<LedgerServiceClient>;
  stop(): Promise<number | null>;
}

/** The ledger as a real process (tsx main.ts) on the given database and brokers. */
export async function startLedger(
  env: Record<string, string>,
  fixedPort?: number,
): Promise<RunningLedger> {
  const port = fixedPort ?? (await freePort());
  const service = await spawnService({
    name: 'ledger',
    entry: 'apps/ledger/src/main.ts',
    env: { GRPC_PORT: String(port), MIGRATE_ON_START: 'true', LOG_LEVEL: 'warn', ...env },
    ready: () => grpcServing(`127.0.0.1:${port}`),
  });
  const client = createClient(LedgerServiceClient, `127.0.0.1:${port}`, {
    defaultDeadlineMs: 15_000,
  });
  return {
    service,
    client,
    port,
    async stop() {
      client.close();
      return service.stop();
    },
  };
}

export function testKafka(): Kafka {
  return new Kafka({
    clientId: `ledger-it-${randomSuffix()}`,
    brokers: integrationEnv().kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

/** Topics are never auto-created in Tolem: the test creates its own, with explicit partitions. */
export async function createTopic(
  kafka: Kafka,
  topic: string,
  numPartitions: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions, replicationFactor: -1 }],
    });
  } finally {
    await admin.disconnect();
  }
}

export interface CollectedMessage {
  partition: number;
  message: KafkaMessage;
}

/** A consumer in its own group that keeps every message of the topic, from the beginning. */
export async function collectMessages(
  kafka: Kafka,
  topic: string,
): Promise<{ messages: CollectedMessage[]; consumer: Consumer }> {
  const messages: CollectedMessage[] = [];
  const consumer = kafka.consumer({
    groupId: `ledger-it-${randomSuffix()}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({ partition, message });
    },
  });
  return { messages, consumer };
}

export function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

export function openDb(url: string): Knex {
  return createKnex({ url, applicationName: 'ledger-it' });
}

/** Row counts of every table the ledger writes: "writes nothing" means these do not move. */
export async function rowCounts(db: Knex): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'accounts',
    'transactions',
    'postings',
    'balances',
    'outbox',
    'payment_event_sequences',
    'payments',
  ]) {
    const row = (await db(table).count('* as count').first()) as
      | { count: bigint | string }
      | undefined;
    counts[table] = Number(row?.count ?? 0);
  }
  return counts;
}

/** Runs the check-integrity CLI as a process, as the nx target does. */
export function runIntegrityCli(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'apps/ledger/src/tools/check-integrity.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every event in the outbox, in row order (batch rows expanded). */
export async function outboxMessages(db: Knex): Promise<OutboxMessage[]> {
  const rows: OutboxRow[] = await db('outbox')
    .select('topic', 'message_key', 'headers', 'payload')
    .orderBy('id');
  return rows.flatMap(outboxMessagesOf);
}

/** Outbox rows the relay has not published yet. */
export async function unpublishedCount(db: Knex): Promise<number> {
  const row = (await db('outbox').whereNull('published_at').count('* as count').first()) as
    | { count: bigint | string }
    | undefined;
  return Number(row?.count ?? 0);
}

/** The decoded payment events of the collected messages, in arrival order. */
export function eventsOf(messages: CollectedMessage[]): PaymentEvent[] {
  return messages.map((m) => PaymentEvent.decode(m.message.value as Buffer));
}

/** A domain error's code, or undefined when the call succeeded. */
/** RecordPaymentEventRequest's recurring fields, unset: a status fact of checkout's. */
export const NO_RECURRING = {
  recurringOperationId: '',
  recurringChargeId: '',
  recurringAttempt: 0,
  cardBindingId: '',
  receiptId: '',
  cancelReason: '',
} as const;

export async function codeOf(
  call: Promise<unknown>,
): Promise<{ code?: string; kind?: string; grpc?: number; field?: string }> {
  try {
    await call;
    return {};
  } catch (err) {
    const e = err as {
      code?: string;
      kind?: string;
      details?: { field?: string };
      cause?: { code?: number };
    };
    return { code: e.code, kind: e.kind, grpc: e.cause?.code, field: e.details?.field };
  }
}

/** A ledger process on a fresh database, publishing to a fresh topic that the test reads. */
export interface LedgerWithEvents {
  ledger: RunningLedger;
  db: Knex;
  databaseUrl: string;
  /** The events published for one key (payment id), in topic order. */
  eventsFor(paymentId: string): PaymentEvent[];
  /** Waits until the key has at least `count` events and returns them. */
  waitForEvents(paymentId: string, count: number): Promise<PaymentEvent[]>;
  stop(): Promise<void>;
}

export async function startLedgerWithEvents(name: string): Promise<LedgerWithEvents> {
  const database = await freshDatabase(`ledger_${name}_it`);
  const db = openDb(database.url);
  const kafka = testKafka();
  const topic = uniqueTopic(`payments.events.v1.${name}`);
  await createTopic(kafka, topic, 3);
  const { messages, consumer } = await collectMessages(kafka, topic);
  const ledger = await startLedger({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: integrationEnv().kafkaBrokers,
    PAYMENTS_TOPIC: topic,
  });
  const eventsFor = (paymentId: string): PaymentEvent[] =>
    eventsOf(messages.filter((m) => m.message.key?.toString() === paymentId));
  return {
    ledger,
    db,
    databaseUrl: database.url,
    eventsFor,
    waitForEvents: (paymentId, count) =>
      waitFor(() => eventsFor(paymentId).length >= count && eventsFor(paymentId), {
        timeoutMs: 30_000,
        what: `${count} events of ${paymentId}`,
      }),
    async stop() {
      await ledger.stop();
      await consumer.disconnect();
      await db.destroy();
      await database.drop();
    },
  };
}
