import { type Admin, Kafka, type KafkaConfig, logLevel } from 'kafkajs';

/** A kafkajs client that logs nothing: its default logger floods test output with retry noise. */
export function quietKafka(brokers: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'tolem-infra',
    brokers: splitBrokers(brokers),
    logLevel: logLevel.NOTHING,
    ...overrides,
  });
}

export function splitBrokers(brokers: string): string[] {
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/**
 * Whether the broker answers a metadata request. retries: 0 matters: with kafkajs's default retries
 * a dead broker takes ~11 s to be noticed.
 */
export async function brokerAnswers(brokers: string, timeoutMs = 3000): Promise<boolean> {
  const admin = quietKafka(brokers, {
    connectionTimeout: Math.min(1000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin({ retry: { retries: 0 } });
  const attempt = (async (): Promise<boolean> => {
    await admin.connect();
    await admin.listTopics();
    return true;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs + 500);
  });
  try {
    return await Promise.race([attempt.catch(() => false), timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/**
 * Creates the missing topics and grows existing ones that have fewer partitions than asked
 * (partitions can only be added). Safe to call concurrently and repeatedly.
 */
export async function createTopics(brokers: string, topics: TopicSpec[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = quietKafka(brokers, { retry: { retries: 5, initialRetryTime: 200 } }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        // Returns false (no throw) when every topic was created by another process in the meantime.
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.numPartitions,
            replicationFactor: -1, // the cluster's default: 1 on a single dev broker
            configEntries: t.configEntries,
          })),
        });
      } catch (err) {
        // A mix of "already exists" and created topics throws, and so does the wait for leaders
        // while the broker's metadata has not caught up with a topic it just created ("does not
        // host this topic-partition"): fine once all of them are listed.
        if (!(await allListed(admin, missing, 10_000))) throw err;
      }
    }
    await growPartitions(
      admin,
      topics.filter((t) => existing.has(t.topic)),
    );
  } finally {
    await admin.disconnect();
  }
}

async function allListed(admin: Admin, topics: TopicSpec[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = new Set(await admin.listTopics());
    if (topics.every((t) => now.has(t.topic))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function growPartitions(admin: Admin, topics: TopicSpec[]): Promise<void> {
  if (topics.length === 0) return;
  const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  const current = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  const toGrow = topics.filter((t) => (current.get(t.topic) ?? 0) < t.numPartitions);
  if (toGrow.length === 0) return;
  await admin.createPartitions({
    topicPartitions: toGrow.map((t) => ({ topic: t.topic, count: t.numPartitions })),
  });
}
