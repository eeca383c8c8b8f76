import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { type KafkaSecurity, Secret } from '@tolem/config';
import { DEFAULT_KAFKA_VERSION, type KafkaHandle, startLocalKafka } from '@tolem/infra';
import { createLogger } from '@tolem/observability';
import { createLocalCa, waitFor } from '@tolem/testing';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Kafka,
  Kafka as KafkaClient,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';

import { createKafka, createOutboxProducer, dlqTopicOf, kafkaSecurityOptions } from '../../src';

/**
 * The production KafkaUsers (deploy/k8s/kafka-users/users.yaml), their ACLs granted as Strimzi's
 * User Operator would, on a broker that authorizes (StandardAuthorizer): each app's own client
 * calls (the outbox's idempotent producer, a consumer group, the topics Job's admin) go through,
 * and what the app never does is refused.
 */
const USERS_FILE = join(import.meta.dirname, '../../../../deploy/k8s/kafka-users/users.yaml');
const TOPIC = 'payments.events.v1';
const GROUPS = ['notifier', 'reporting', 'qr-platform'];

interface KafkaUser {
  metadata: { name: string };
  spec: {
    authorization: {
      acls: {
        resource: { type: string; name: string; patternType: string };
        operations: string[];
      }[];
    };
  };
}
const users = YAML.parseAllDocuments(readFileSync(USERS_FILE, 'utf8')).map(
  (d) => d.toJSON() as KafkaUser,
);
const passwordOf = (user: string) => `${user}-pw-${user.length}`;

const RESOURCE: Record<string, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
};
const PATTERN: Record<string, ResourcePatternTypes> = {
  literal: ResourcePatternTypes.LITERAL,
  prefix: ResourcePatternTypes.PREFIXED,
};
/** Strimzi's operation names, as Kafka's enum. */
const operation = (name: string): AclOperationTypes => {
  const key = name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const value = AclOperationTypes[key as keyof typeof AclOperationTypes];
  if (value === undefined) throw new Error(`unknown ACL operation ${name}`);
  return value;
};

const dir = mkdtempSync(join(tmpdir(), 'kafka-acls-'));
const ca = createLocalCa(join(dir, 'ca'), 'Tolem Kafka ACL test CA');
const brokerTls = ca.issue('kafka', { ips: ['127.0.0.1'] });
const log = createLogger({
  service: 'kafka-acls-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});
let broker: KafkaHandle;
let created: string[] = [];
let ledgerPublished = '';

beforeAll(async () => {
  broker = await startLocalKafka(join(dir, 'state'), DEFAULT_KAFKA_VERSION, undefined, {
    certFile: join(brokerTls, 'tls.crt'),
    keyFile: join(brokerTls, 'tls.key'),
    caFile: join(brokerTls, 'ca.crt'),
    users: users.map((u) => ({ name: u.metadata.name, password: passwordOf(u.metadata.name) })),
    acls: true,
  });
  // What the User Operator does: each user's ACLs, granted by the super user (PLAINTEXT here).
  const admin = new KafkaClient({ brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createAcls({
    acl: users.flatMap((u) =>
      u.spec.authorization.acls.flatMap((acl) =>
        acl.operations.map((op) => ({
          resourceType: RESOURCE[acl.resource.type] ?? AclResourceTypes.UNKNOWN,
          resourceName: acl.resource.name,
          resourcePatternType: PATTERN[acl.resource.patternType] ?? ResourcePatternTypes.UNKNOWN,
          principal: `User:${u.metadata.name}`,
          host: '*',
          operation: operation(op),
          permissionType: AclPermissionTypes.ALLOW,
        })),
      ),
    ),
  });
  // The first group of a new cluster creates and loads __consumer_offsets; until that is done a
  // join answers GROUP_LOAD_IN_PROGRESS, which says nothing about ACLs. Wait it out here.
  await waitFor(
    () =>
      admin.describeGroups(GROUPS).then(
        (d) => d.groups.length === GROUPS.length,
        () => false,
      ),
    { timeoutMs: 60_000, what: 'the group coordinator' },
  );
  await admin.disconnect();

  // What every test reads: the topics the Job's user created, and one event the ledger published.
  const job = as('tolem-kafka-topics').admin({ retry: { retries: 0 } });
  await job.connect();
  try {
    await job.createTopics({
      topics: [TOPIC, ...GROUPS.map((g) => dlqTopicOf(TOPIC, g))].map((topic) => ({
        topic,
        numPartitions: 1,
      })),
    });
    created = (await job.listTopics()).filter((t) => t.startsWith(TOPIC)).sort();
  } finally {
    await job.disconnect();
  }
  ledgerPublished = await publish('tolem-ledger', TOPIC);
}, 120_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** How the app reaches the brokers in production: SASL_SSL, SCRAM-SHA-512, its own user. */
const securityOf = (user: string): KafkaSecurity => ({
  protocol: 'SASL_SSL',
  tls: { ca: ca.caCert },
  sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: new Secret(passwordOf(user)) },
});

/** A client as the app builds it in production. */
const as = (user: string): Kafka =>
  createKafka({
    brokers: [broker.secure!.saslSsl],
    clientId: user,
    log,
    security: securityOf(user),
  });

/** What a refusal says: kafkajs's error type, else (a retry wrapper) its message. */
const refusalOf = (err: unknown) => {
  const e = err as { type?: string; message?: string; originalError?: { type?: string } };
  return String(e.type ?? e.originalError?.type ?? e.message);
};
const REFUSED = /AUTHORIZATION_FAILED|Not authorized/;
/** Sends one message with the outbox's producer settings; 'ok' or the refusal. */
async function publish(user: string, topic: string): Promise<string> {
  let producer;
  try {
    producer = await createOutboxProducer(as(user));
    await producer.send({ topic, acks: -1, messages: [{ key: 'pay_1', value: user }] });
    return 'ok';
  } catch (err) {
    return refusalOf(err);
  } finally {
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * Reads the first message of the topic in `group`; its value, or the refusal. The client is the
 * app's (kafkaSecurityOptions, the user's SCRAM credentials) with kafkajs's debug log read: kafkajs
 * reports a FindCoordinator refused with GROUP_AUTHORIZATION_FAILED only as "Failed to find group
 * coordinator", and only its debug log names the broker's error.
 */
async function readFirst(user: string, group: string): Promise<string> {
  const brokerErrors: string[] = [];
  const client = new KafkaClient({
    brokers: [broker.secure!.saslSsl],
    clientId: user,
    ...kafkaSecurityOptions(securityOf(user)),
    logLevel: logLevel.DEBUG,
    logCreator:
      () =>
      ({ log: entry }) => {
        const error = (entry as { error?: unknown }).error;
        if (typeof error === 'string') brokerErrors.push(error);
        else if (error && typeof error === 'object') {
          const e = error as { type?: string; message?: string };
          brokerErrors.push(e.type ?? e.message ?? '');
        }
      },
  });
  const consumer = client.consumer({ groupId: group });
  try {
    const first = new Promise<string>((resolve, reject) => {
      // A retriable crash (a coordinator still loading) restarts the consumer by itself.
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) reject(e.payload.error as unknown as Error);
      });
      void consumer
        .connect()
        .then(() => consumer.subscribe({ topic: TOPIC, fromBeginning: true }))
        .then(() =>
          consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }),
        )
        .catch(reject);
      setTimeout(() => resolve('nothing read within 30 s'), 30_000).unref();
    });
    return await first;
  } catch (err) {
    const refusal = refusalOf(err);
    const said = brokerErrors.find((e) => /AUTHORIZATION_FAILED/.test(e));
    return said && /Failed to find group coordinator/.test(refusal) ? said : refusal;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

describe('the production KafkaUsers on a broker that authorizes', () => {
  it('lets the topics Job create the payment topic and every dead-letter topic', () => {
    expect(created).toEqual([TOPIC, ...GROUPS.map((g) => dlqTopicOf(TOPIC, g))].sort());
  });

  it('lets the ledger alone publish payment events', async () => {
    expect(ledgerPublished).toBe('ok');
    for (const user of [
      'tolem-notifier',
      'tolem-reporting',
      'tolem-qr-platform',
      'tolem-kafka-topics',
    ])
      expect(await publish(user, TOPIC), user).toMatch(REFUSED);
  });

  it.each(GROUPS)('lets %s read the events in its own group only', async (group) => {
    expect(await readFirst(`tolem-${group}`, group)).toBe('tolem-ledger');
    const other = GROUPS.find((g) => g !== group) ?? '';
    expect(await readFirst(`tolem-${group}`, other)).toBe('GROUP_AUTHORIZATION_FAILED');
  });

  it('refuses the ledger a consumer group', async () => {
    expect(await readFirst('tolem-ledger', 'notifier')).toBe('GROUP_AUTHORIZATION_FAILED');
  });

  it.each(GROUPS)('lets %s park dead letters in its own DLQ, not in another', async (group) => {
    expect(await publish(`tolem-${group}`, dlqTopicOf(TOPIC, group))).toBe('ok');
    const other = GROUPS.find((g) => g !== group) ?? '';
    expect(await publish(`tolem-${group}`, dlqTopicOf(TOPIC, other))).toMatch(REFUSED);
  });
});
