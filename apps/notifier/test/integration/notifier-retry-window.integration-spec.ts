import { randomBytes } from 'node:crypto';

import { DeliveryStatus, NotifierServiceClient } from '@tolem/contracts/notifier';
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

import {
  aKeeperMobileEvent,
  type FakeMerchant,
  publish,
  startFakeMerchant,
  testKafka,
} from './helpers';

const MERCHANT = 'mer_window';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** ListDeliveries' filters left open: every endpoint, every status. */
const ANY_ENDPOINT = { endpointId: '', status: DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED };

describe('notifier retry window (short NOTIFY_RETRY_WINDOW_MS and NOTIFY_TIMEOUT_MS)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let service: ServiceProcess;
  let client: PromiseClient<NotifierServiceClient>;
  let merchant: FakeMerchant;
  let admin: Admin;
  let producer: Producer;
  const topic = uniqueTopic('payments.events.window');

  beforeAll(async () => {
    db = await freshDatabase('notifier_window_it');
    const kafka = testKafka(integrationEnv().kafkaBrokers);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    merchant = await startFakeMerchant();
    merchant.trust(SECRET);
    const port = await freePort();
    service = await spawnService({
      name: 'notifier',
      entry: 'apps/notifier/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: integrationEnv().kafkaBrokers,
        PAYMENTS_TOPIC: topic,
        KAFKA_GROUP_ID: `notifier-window-${randomSuffix()}`,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        NOTIFY_RETRY_WINDOW_MS: '4000',
        NOTIFY_MIN_BACKOFF_MS: '300',
        NOTIFY_MAX_BACKOFF_MS: '800',
        NOTIFY_POLL_MS: '100',
        NOTIFY_TIMEOUT_MS: '500',
        NOTIFY_ALLOW_PRIVATE_NETWORKS: 'loopback',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    client = createClient(NotifierServiceClient, `127.0.0.1:${port}`);
    await client.upsertEndpoint({
      merchantId: MERCHANT,
      url: merchant.url,
      signingSecret: SECRET,
    });
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await merchant?.close();
    await db?.drop();
  });

  it('times out a slow merchant, gives up when the window closes, and redelivers on request', async () => {
    const event = aKeeperMobileEvent({ merchantId: MERCHANT });
    merchant.script(
      event.paymentId,
      Array.from({ length: 50 }, () => ({ status: 200, body: 'ok', delayMs: 1_500 })),
    );
    await publish(producer, topic, event);
    const exhausted = await waitFor(
      async () => {
        const [d] = (
          await client.listDeliveries({
            ...ANY_ENDPOINT,
            merchantId: MERCHANT,
            paymentId: event.paymentId,
            pageSize: 1,
            pageToken: '',
          })
        ).deliveries;
        return d?.status === DeliveryStatus.DELIVERY_STATUS_EXHAUSTED && d;
      },
      { timeoutMs: 30_000, what: 'the delivery to be exhausted' },
    );
    expect(exhausted).toMatchObject({ lastError: 'timeout', lastStatusCode: 0 });
    expect(exhausted.attempts).toBeGreaterThanOrEqual(3);
    const attemptsWhenExhausted = merchant.requestsFor(event.paymentId).length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(merchant.requestsFor(event.paymentId)).toHaveLength(attemptsWhenExhausted);
    expect(merchant.requests.filter((r) => r.verifiedWith.length === 0)).toEqual([]);

    merchant.script(event.paymentId, []);
    const res = await client.redeliverDelivery({ merchantId: '', deliveryId: exhausted.id });
    expect(res.delivery?.status).toBe(DeliveryStatus.DELIVERY_STATUS_PENDING);
    await waitFor(
      async () => {
        const [d] = (
          await client.listDeliveries({
            ...ANY_ENDPOINT,
            merchantId: MERCHANT,
            paymentId: event.paymentId,
            pageSize: 1,
            pageToken: '',
          })
        ).deliveries;
        return d?.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED;
      },
      { timeoutMs: 15_000, what: 'the redelivery to succeed' },
    );
  });
});
