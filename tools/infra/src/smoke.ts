import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type EachMessagePayload, Kafka, type LogEntry, logLevel } from 'kafkajs';

import { startLocalKafka } from './kafka';
import { splitBrokers } from './kafka-client';
import { defaultKafkaCacheDir } from './maven';
import { exists } from './state';
import { type KafkaHandle } from './types';

export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface SmokeReport {
  version: string;
  brokers?: string;
  mavenCached: boolean;
  checks: CheckResult[];
}

const MESSAGES = 30;
const TXN_MESSAGES = 5;

/**
 * Starts a fresh broker of `version` in a temp state dir and exercises what the platform needs from
 * kafkajs 2.2.4: topics, idempotent acks=all produce, consumer groups with manual commits, transactions,
 * describe/delete. Every check runs even if an earlier one failed; the broker is always stopped.
 */
export async function runKafkaSmoke(
  version: string,
  print: (line: string) => void,
): Promise<SmokeReport> {
  const mavenCached = await exists(path.join(defaultKafkaCacheDir(), version, '.complete.json'));
  const report: SmokeReport = { version, mavenCached, checks: [] };
  const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), `tolem-kafka-smoke-${version}-`));
  const check = async (name: string, fn: () => Promise<string | void>): Promise<boolean> => {
    const t0 = Date.now();
    try {
      const detail = (await fn()) ?? undefined;
      report.checks.push({ name, ok: true, ms: Date.now() - t0, detail });
      print(`PASS ${name} (${Date.now() - t0} ms)${detail ? `: ${detail}` : ''}`);
      return true;
    } catch (err) {
      const detail = describeError(err);
      report.checks.push({ name, ok: false, ms: Date.now() - t0, detail });
      print(`FAIL ${name} (${Date.now() - t0} ms): ${detail}`);
      return false;
    }
  };

  let handle: KafkaHandle | undefined;
  const started = await check(
    `start Kafka ${version} broker (maven cache ${mavenCached ? 'warm' : 'cold'})`,
    async () => {
      handle = await startLocalKafka(stateDir, version, (m) => print(`  ${m}`));
      report.brokers = handle.brokers;
      return handle.brokers;
    },
  );
  try {
    if (started && handle) await runChecks(handle.brokers, check, print);
  } finally {
    if (handle) await check('stop broker', () => (handle as KafkaHandle).stop());
    await fsp.rm(stateDir, { recursive: true, force: true });
  }
  return report;
}

type Check = (name: string, fn: () => Promise<string | void>) => Promise<boolean>;

async function runChecks(
  brokers: string,
  check: Check,
  print: (line: string) => void,
): Promise<void> {
  const errors: string[] = [];
  // kafkajs's ERROR lines are kept and shown on failure: they often say more than the thrown error.
  const logCreator = () => (entry: LogEntry) => {
    if (entry.level <= logLevel.ERROR)
      errors.push(
        `${entry.namespace}: ${entry.log.message}${entry.log['error'] ? ` (${String(entry.log['error'])})` : ''}`,
      );
  };
  const kafka = new Kafka({
    clientId: 'tolem-smoke',
    brokers: splitBrokers(brokers),
    logLevel: logLevel.ERROR,
    logCreator,
  });
  const admin = kafka.admin();
  const topic = 'smoke-topic';
  const txnTopic = 'smoke-txn-topic';
  const withLogs = async (fn: () => Promise<string | void>): Promise<string | void> => {
    const before = errors.length;
    try {
      return await fn();
    } catch (err) {
      const logs = errors.slice(before, before + 5);
      if (logs.length)
        (err as Error).message += `\n    kafkajs log: ${logs.join('\n    kafkajs log: ')}`;
      throw err;
    }
  };

  await check('admin connect + listTopics', () =>
    withLogs(async () => {
      await admin.connect();
      return `topics=${JSON.stringify(await admin.listTopics())}`;
    }),
  );

  await check('create topic with 3 partitions', () =>
    withLogs(async () => {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, numPartitions: 3 },
          { topic: txnTopic, numPartitions: 3 },
        ],
      });
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const n = meta.topics[0]?.partitions.length;
      if (n !== 3) throw new Error(`expected 3 partitions, got ${n}`);
      return 'partitions=3';
    }),
  );

  await check('idempotent producer, acks=-1 (all)', () =>
    withLogs(async () => {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      try {
        const res = await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: MESSAGES }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        });
        return `partitions written=${res
          .map((r) => r.partition)
          .sort()
          .join(',')}`;
      } finally {
        await producer.disconnect();
      }
    }),
  );

  const groupId = 'smoke-group';
  await check('consumer group join + consume + commitOffsets', () =>
    withLogs(() => consumeAndCommit(kafka, groupId, topic, MESSAGES)),
  );

  await check('admin.fetchOffsets shows committed offsets', () =>
    withLogs(async () => {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      const sum = committed.flatMap((t) => t.partitions).reduce((s, p) => s + Number(p.offset), 0);
      const hw = ends.reduce((s, p) => s + Number(p.high), 0);
      if (sum !== MESSAGES || hw !== MESSAGES)
        throw new Error(`committed sum=${sum}, high watermark sum=${hw}, expected ${MESSAGES}`);
      return `committed=${JSON.stringify(committed[0]?.partitions.map((p) => [p.partition, p.offset]))}`;
    }),
  );

  const txnOk = await check('transactional producer send + commit', () =>
    withLogs(async () => {
      const producer = kafka.producer({
        transactionalId: 'smoke-txn',
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      try {
        const txn = await producer.transaction();
        await txn.send({
          topic: txnTopic,
          messages: Array.from({ length: TXN_MESSAGES }, (_, i) => ({
            key: `t${i}`,
            value: `t${i}`,
          })),
        });
        await txn.commit();
      } finally {
        await producer.disconnect();
      }
    }),
  );
  if (txnOk) {
    await check('read_committed consumer sees the transaction', () =>
      withLogs(() => consumeAndCommit(kafka, 'smoke-txn-group', txnTopic, TXN_MESSAGES)),
    );
  }

  await check('admin describe topic (metadata + configs)', () =>
    withLogs(async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const cfg = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: topic }],
      });
      const entries = cfg.resources[0]?.configEntries.length ?? 0;
      return `leaders=${meta.topics[0]?.partitions.map((p) => p.leader).join(',')}, configEntries=${entries}`;
    }),
  );

  await check('admin delete topic', () =>
    withLogs(async () => {
      await admin.deleteTopics({ topics: [topic, txnTopic], timeout: 10_000 });
      for (let i = 0; i < 50; i++) {
        const left = (await admin.listTopics()).filter((t) => t === topic || t === txnTopic);
        if (left.length === 0) return 'gone';
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('topics still listed 10 s after deleteTopics');
    }),
  );

  await admin.disconnect().catch(() => undefined);
  for (const e of errors) print(`  kafkajs error log: ${e}`);
}

/** Joins a group, reads `expected` messages from the beginning, commits the next offset per partition. */
async function consumeAndCommit(
  kafka: Kafka,
  groupId: string,
  topic: string,
  expected: number,
): Promise<string> {
  // A short long-poll: disconnect() waits for the in-flight fetch (default 5 s).
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
  });
  const next = new Map<number, string>();
  let count = 0;
  let crash: Error | undefined;
  consumer.on(consumer.events.CRASH, (e) => (crash = e.payload.error));
  const t0 = Date.now();
  let joinedMs = -1;
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedMs = Date.now() - t0));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        count++;
        next.set(partition, (BigInt(message.offset) + 1n).toString());
      },
    });
    const deadline = Date.now() + 30_000;
    while (count < expected && !crash && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    if (crash) throw crash;
    if (count < expected)
      throw new Error(`consumed ${count}/${expected} messages in 30 s (joined: ${joinedMs >= 0})`);
    await consumer.commitOffsets(
      [...next].map(([partition, offset]) => ({ topic, partition, offset })),
    );
    return `joined in ${joinedMs} ms, consumed ${count}, committed ${JSON.stringify([...next])}`;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** kafkajs errors carry type/code and often a cause; keep all of it, verbatim. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const extra = err as Error & {
    type?: string;
    code?: number;
    originalError?: Error;
    cause?: unknown;
  };
  const parts = [`${err.name}: ${err.message}`];
  if (extra.type) parts.push(`type=${extra.type}`);
  if (extra.code !== undefined) parts.push(`code=${extra.code}`);
  if (extra.originalError)
    parts.push(`original: ${extra.originalError.name}: ${extra.originalError.message}`);
  if (extra.cause instanceof Error) parts.push(`cause: ${extra.cause.message}`);
  return parts.join(' | ');
}
