import { randomBytes } from 'node:crypto';

import { NotifierServiceClient } from '@tolem/contracts/notifier';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  integrationEnv,
  randomSuffix,
  type ServiceProcess,
  spawnService,
  uniqueTopic,
  waitFor,
} from '@tolem/testing';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { aKeeperMobileEvent, publish, testKafka } from './helpers';
import { type Receiver, startReceiver } from './receivers';

const MERCHANTS = 3;
const EVENTS_PER_MERCHANT = 40;

describe('notifier killed (SIGKILL) while deliveries are in flight', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let service: ServiceProcess;
  let client: PromiseClient<NotifierServiceClient>;
  let admin: Admin;
  let producer: Producer;
  let grpcPort: number;
  const receivers: Receiver[] = [];
  const topic = uniqueTopic('payments.events.crash');
  const groupId = `notifier-crash-${randomSuffix()}`;

  const start = () =>
    spawnService({
      name: 'notifier',
      entry: 'apps/notifier/src/main.ts',
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: integrationEnv().kafkaBrokers,
        PAYMENTS_TOPIC: topic,
        KAFKA_GROUP_ID: groupId,
        GRPC_PORT: String(grpcPort),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        NOTIFY_MIN_BACKOFF_MS: '200',
        NOTIFY_MAX_BACKOFF_MS: '500',
        NOTIFY_POLL_MS: '100',
        NOTIFY_TIMEOUT_MS: '1000',
        NOTIFY_ALLOW_PRIVATE_NETWORKS: 'loopback',
      },
      ready: () => grpcServing(`127.0.0.1:${grpcPort}`),
    });

  beforeAll(async () => {
    database = await freshDatabase('notifier_crash_it');
    db = createKnex({ url: database.url, applicationName: 'notifier-crash-it' });
    const kafka = testKafka(integrationEnv().kafkaBrokers);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    grpcPort = await freePort();
    service = await start();
    client = createClient(NotifierServiceClient, `127.0.0.1:${grpcPort}`);
    for (let i = 0; i < MERCHANTS; i += 1) {
      // Slow enough that a kill always finds requests in flight.
      const r = await startReceiver(`whsec_${randomBytes(24).toString('base64')}`, (res) =>
        setTimeout(() => res.end('ok'), 150),
      );
      receivers.push(r);
      await client.upsertEndpoint({
        merchantId: `mer_crash_${i}`,
        url: r.url,
        signingSecret: r.secret,
      });
    }
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    for (const r of receivers) await r.close();
    await db?.destroy();
    await database?.drop();
  });

  it('delivers every event at least once and records each acknowledgement exactly once', async () => {
    const events = Array.from({ length: EVENTS_PER_MERCHANT }, () =>
      Array.from({ length: MERCHANTS }, (_, i) =>
        aKeeperMobileEvent({ merchantId: `mer_crash_${i}` }),
      ),
    ).flat();
    for (const event of events) await publish(producer, topic, event);
    const received = () => receivers.reduce((n, r) => n + r.received.length, 0);
    await waitFor(() => received() >= 20 && receivers.some((r) => r.open() > 0), {
      timeoutMs: 30_000,
      what: 'deliveries under way',
    });
    const inFlightAtKill = receivers.reduce((n, r) => n + r.open(), 0);
    await service.kill();
    expect(inFlightAtKill).toBeGreaterThan(0);

    service = await start();
    const delivered = async () =>
      Number(
        (await db('deliveries').where({ status: 'delivered' }).count<{ c: string }[]>('* as c'))[0]
          ?.c,
      );
    await waitFor(async () => (await delivered()) === events.length, {
      timeoutMs: 60_000,
      what: 'every delivery acknowledged',
    });

    const seen = new Set(receivers.flatMap((r) => r.received.map((x) => x.eventId)));
    expect(events.filter((e) => !seen.has(e.eventId))).toEqual([]);
    expect(receivers.flatMap((r) => r.received).filter((x) => !x.verified)).toEqual([]);
    const acknowledgements = await db('delivery_attempts')
      .where({ error: '', status_code: 200 })
      .groupBy('delivery_id')
      .select('delivery_id')
      .count<{ delivery_id: string; count: string }[]>('* as count');
    expect(acknowledgements).toHaveLength(events.length);
    expect(acknowledgements.filter((a) => Number(a.count) !== 1)).toEqual([]);
  });
});
