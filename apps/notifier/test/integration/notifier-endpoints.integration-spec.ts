import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { PaymentEvent } from '@tolem/contracts/events';
import {
  AckMode,
  BodyFormat,
  type CreateEndpointRequest,
  DeliveryStatus,
  EndpointStatus,
  NotifierServiceClient,
  type UpdateEndpointRequest,
} from '@tolem/contracts/notifier';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
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

import { aKeeperMobileEvent, aStatusEvent, publish, testKafka, verifies } from './helpers';

/** A merchant URL that records raw bodies and answers what `answer` says (200 "ok" by default). */
interface Receiver {
  url: string;
  bodies: { body: string; contentType: string; headers: IncomingHttpHeaders }[];
  answer: { status: number; body: string };
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const r: Omit<Receiver, 'url' | 'close'> = { bodies: [], answer: { status: 200, body: 'ok' } };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.bodies.push({
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: String(req.headers['content-type'] ?? ''),
        headers: req.headers,
      });
      res.writeHead(r.answer.status, { 'content-type': 'text/plain' }).end(r.answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** The payment id in a JSON or form body. */
function paymentIdOf(body: string): string {
  if (body.startsWith('{'))
    return (JSON.parse(body) as { data: { payment_id: string } }).data.payment_id;
  return new URLSearchParams(body).get('payment_id') ?? '';
}

const WINDOW_MS = 8_000;

const createReq = (merchantId: string, url: string, o: Partial<CreateEndpointRequest> = {}) => ({
  merchantId,
  url,
  description: '',
  eventTypes: [],
  format: BodyFormat.BODY_FORMAT_UNSPECIFIED,
  ack: AckMode.ACK_MODE_UNSPECIFIED,
  maxInFlight: 0,
  idempotencyKey: '',
  ...o,
});

const updateReq = (
  merchantId: string,
  endpointId: string,
  o: Partial<UpdateEndpointRequest> = {},
): UpdateEndpointRequest => ({
  merchantId,
  endpointId,
  eventTypes: [],
  setEventTypes: false,
  format: BodyFormat.BODY_FORMAT_UNSPECIFIED,
  ack: AckMode.ACK_MODE_UNSPECIFIED,
  maxInFlight: 0,
  ...o,
});

describe('notifier endpoints API (real process, PostgreSQL, Kafka, HTTP receivers)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let service: ServiceProcess;
  let client: PromiseClient<NotifierServiceClient>;
  let admin: Admin;
  let producer: Producer;
  const receivers: Receiver[] = [];
  const topic = uniqueTopic('payments.events.endpoints');
  const groupId = `notifier-endpoints-${randomSuffix()}`;

  /** Every signing secret an endpoint of this suite was given (to verify what receivers got). */
  const secrets = new Set<string>();
  const createEndpoint = async (request: CreateEndpointRequest) => {
    const created = await client.createEndpoint(request);
    secrets.add(created.signingSecret);
    return created;
  };

  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };

  const deliveries = async (merchantId: string, paymentId = '', endpointId = '') =>
    (
      await client.listDeliveries({
        merchantId,
        paymentId,
        endpointId,
        status: DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED,
        pageSize: 100,
        pageToken: '',
      })
    ).deliveries;

  const waitAllCommitted = () =>
    waitFor(
      async () => {
        const sum = (ps: { offset: string }[]) =>
          ps.reduce((s, p) => s + BigInt(p.offset === '-1' ? '0' : p.offset), 0n);
        const end = sum(await admin.fetchTopicOffsets(topic));
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return sum(committed?.partitions ?? []) === end;
      },
      { timeoutMs: 45_000, what: 'every published event to be committed' },
    );

  beforeAll(async () => {
    db = await freshDatabase('notifier_endpoints_it');
    const kafka = testKafka(integrationEnv().kafkaBrokers);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const port = await freePort();
    service = await spawnService({
      name: 'notifier',
      entry: 'apps/notifier/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: integrationEnv().kafkaBrokers,
        PAYMENTS_TOPIC: topic,
        KAFKA_GROUP_ID: groupId,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'info',
        NOTIFY_RETRY_WINDOW_MS: String(WINDOW_MS),
        NOTIFY_MIN_BACKOFF_MS: '200',
        NOTIFY_MAX_BACKOFF_MS: '500',
        NOTIFY_POLL_MS: '100',
        NOTIFY_TIMEOUT_MS: '2000',
        NOTIFY_ALLOW_PRIVATE_NETWORKS: 'loopback',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    client = createClient(NotifierServiceClient, `127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await Promise.all(receivers.map((r) => r.close()));
    await db?.drop();
  });

  it('fans an event out to each endpoint subscribed to it, each in its format', async () => {
    const merchantId = `mer_fan_${randomSuffix()}`;
    const [all, refunds, paid] = [await receiver(), await receiver(), await receiver()];
    const eAll = await createEndpoint(createReq(merchantId, all.url));
    const eRefunds = await createEndpoint(
      createReq(merchantId, refunds.url, {
        eventTypes: ['refund.succeeded'],
        format: BodyFormat.BODY_FORMAT_FORM,
      }),
    );
    await createEndpoint(createReq(merchantId, paid.url, { eventTypes: ['payment.succeeded'] }));
    expect(eAll.signingSecret).toMatch(/^whsec_/);
    expect(eRefunds.endpoint?.format).toBe(BodyFormat.BODY_FORMAT_FORM);

    const paymentId = newId('pay');
    await publish(producer, topic, aKeeperMobileEvent({ merchantId, paymentId }));
    await publish(
      producer,
      topic,
      aStatusEvent('refund.succeeded', 'refunded', {
        merchantId,
        paymentId,
        sequence: 2n,
        refundId: 're_1',
      }),
    );
    await waitFor(
      async () => {
        const list = await deliveries(merchantId, paymentId);
        return (
          list.length === 4 &&
          list.every((d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED)
        );
      },
      { timeoutMs: 45_000, what: 'four deliveries delivered' },
    );
    expect(all.bodies).toHaveLength(2);
    expect(paid.bodies).toHaveLength(1);
    expect(JSON.parse(paid.bodies[0]?.body ?? '')).toMatchObject({
      type: 'payment.succeeded',
      data: { payment_id: paymentId, amount: 150000, amount_major: '1500.00', currency: 'RUB' },
    });
    expect(refunds.bodies).toHaveLength(1);
    const form = new URLSearchParams(refunds.bodies[0]?.body);
    expect(form.get('event_type')).toBe('refund.succeeded');
    expect(form.get('payment_id')).toBe(paymentId);
    expect(form.get('refund_id')).toBe('re_1');
    expect(form.get('payer_wmid')).toBe('123456789012');
    const forEndpoint = await deliveries(merchantId, '', eRefunds.endpoint?.id ?? '');
    expect(forEndpoint.map((d) => d.eventType)).toEqual(['refund.succeeded']);
  });

  it('sends recurring events to the endpoints subscribed to them, with their fields in JSON and form', async () => {
    const merchantId = `mer_rec_${randomSuffix()}`;
    const [all, recurring, paid] = [await receiver(), await receiver(), await receiver()];
    await createEndpoint(createReq(merchantId, all.url));
    const eRecurring = await createEndpoint(
      createReq(merchantId, recurring.url, {
        eventTypes: ['recurring.charge.failed', 'recurring.operation.canceled'],
        format: BodyFormat.BODY_FORMAT_FORM,
      }),
    );
    await createEndpoint(createReq(merchantId, paid.url, { eventTypes: ['payment.succeeded'] }));

    const paymentId = newId('pay');
    const recurringEvent = (eventType: string, sequence: bigint, o: Partial<PaymentEvent>) =>
      aStatusEvent(eventType, '', {
        merchantId,
        paymentId,
        sequence,
        recurringOperationId: 'sop_1',
        cardBindingId: 'cbd_1',
        ...o,
      });
    await publish(producer, topic, aKeeperMobileEvent({ merchantId, paymentId }));
    await publish(
      producer,
      topic,
      recurringEvent('recurring.charge.succeeded', 2n, {
        recurringChargeId: 'chg_1',
        recurringAttempt: 1,
        receiptId: 'rct_1',
      }),
    );
    await publish(
      producer,
      topic,
      recurringEvent('recurring.charge.failed', 3n, {
        recurringChargeId: 'chg_2',
        recurringAttempt: 1,
        failureCode: '14',
      }),
    );
    await publish(
      producer,
      topic,
      recurringEvent('recurring.operation.canceled', 4n, {
        recurringChargeId: 'chg_2',
        cancelReason: 'hard_decline',
      }),
    );
    await waitFor(
      async () => {
        const list = await deliveries(merchantId, paymentId);
        return (
          list.length === 7 &&
          list.every((d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED)
        );
      },
      { timeoutMs: 45_000, what: 'seven deliveries delivered' },
    );
    const types = (r: Receiver) =>
      r.bodies.map((b) =>
        b.body.startsWith('{')
          ? (JSON.parse(b.body) as { type: string }).type
          : new URLSearchParams(b.body).get('event_type'),
      );
    expect(types(all)).toEqual([
      'payment.succeeded',
      'recurring.charge.succeeded',
      'recurring.charge.failed',
      'recurring.operation.canceled',
    ]);
    expect(types(paid)).toEqual(['payment.succeeded']);
    expect(types(recurring)).toEqual(['recurring.charge.failed', 'recurring.operation.canceled']);

    const succeeded = JSON.parse(all.bodies[1]?.body ?? '') as { data: Record<string, unknown> };
    expect(succeeded.data).toMatchObject({
      payment_id: paymentId,
      recurring_operation_id: 'sop_1',
      recurring_charge_id: 'chg_1',
      recurring_attempt: 1,
      card_binding_id: 'cbd_1',
      receipt_id: 'rct_1',
    });
    expect(succeeded.data).not.toHaveProperty('status');
    const failed = new URLSearchParams(recurring.bodies[0]?.body);
    expect(Object.fromEntries(failed)).toMatchObject({
      payment_id: paymentId,
      failure_code: '14',
      recurring_operation_id: 'sop_1',
      recurring_charge_id: 'chg_2',
      recurring_attempt: '1',
      card_binding_id: 'cbd_1',
    });
    const canceled = new URLSearchParams(recurring.bodies[1]?.body);
    expect(canceled.get('cancel_reason')).toBe('hard_decline');
    expect(canceled.has('receipt_id')).toBe(false);
    const forEndpoint = await deliveries(merchantId, '', eRecurring.endpoint?.id ?? '');
    expect(forEndpoint.map((d) => d.eventType).sort()).toEqual([
      'recurring.charge.failed',
      'recurring.operation.canceled',
    ]);
  });

  it("keeps a payment's order per endpoint: a failing endpoint does not hold back another", async () => {
    const merchantId = `mer_order_${randomSuffix()}`;
    const [failing, healthy] = [await receiver(), await receiver()];
    failing.answer = { status: 503, body: 'down' };
    await createEndpoint(createReq(merchantId, failing.url));
    await createEndpoint(createReq(merchantId, healthy.url));
    const paymentId = newId('pay');
    await publish(producer, topic, aKeeperMobileEvent({ merchantId, paymentId }));
    await publish(
      producer,
      topic,
      aStatusEvent('payment.reversed', 'reversed', { merchantId, paymentId, sequence: 2n }),
    );
    await waitFor(() => healthy.bodies.length === 2, {
      what: 'both events at the healthy endpoint while the other keeps failing',
    });
    expect(healthy.bodies.map((b) => (JSON.parse(b.body) as { type: string }).type)).toEqual([
      'payment.succeeded',
      'payment.reversed',
    ]);
    // The failing endpoint is still retrying the first event and has not been sent the second.
    expect(failing.bodies.length).toBeGreaterThan(0);
    expect(
      failing.bodies.every(
        (b) => (JSON.parse(b.body) as { type: string }).type === 'payment.succeeded',
      ),
    ).toBe(true);
  });

  it('holds the events of a merchant without endpoints and routes them to one created later', async () => {
    const merchantId = `mer_late_${randomSuffix()}`;
    const r = await receiver();
    const event = aKeeperMobileEvent({ merchantId });
    await publish(producer, topic, event);
    await waitAllCommitted();
    expect(await deliveries(merchantId)).toEqual([]);
    await createEndpoint(createReq(merchantId, r.url, { format: BodyFormat.BODY_FORMAT_FORM }));
    await waitFor(() => r.bodies.length === 1, { what: 'the held event to be sent' });
    expect(new URLSearchParams(r.bodies[0]?.body).get('event_id')).toBe(event.eventId);
  });

  it('sends a pending delivery to the URL the endpoint has now', async () => {
    const merchantId = `mer_move_${randomSuffix()}`;
    const [old, moved] = [await receiver(), await receiver()];
    old.answer = { status: 503, body: 'down' };
    const { endpoint } = await createEndpoint(createReq(merchantId, old.url));
    const event = aKeeperMobileEvent({ merchantId });
    await publish(producer, topic, event);
    await waitFor(() => old.bodies.length >= 1, { what: 'a failed first attempt' });
    await client.updateEndpoint(updateReq(merchantId, endpoint?.id ?? '', { url: moved.url }));
    await waitFor(() => moved.bodies.length === 1, { what: 'the retry to reach the new URL' });
    expect(paymentIdOf(moved.bodies[0]?.body ?? '')).toBe(event.paymentId);
    // The receiver has the body before the notifier has recorded its answer.
    const d = await waitFor(
      async () => {
        const [delivery] = await deliveries(merchantId);
        return delivery?.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED && delivery;
      },
      { what: 'the delivery recorded as delivered' },
    );
    const { attempts } = await client.getDelivery({ merchantId, deliveryId: d?.id ?? '' });
    expect(attempts.at(0)).toMatchObject({ statusCode: 503, responseExcerpt: 'down' });
    expect(attempts.at(-1)).toMatchObject({ statusCode: 200, responseExcerpt: 'ok' });
  });

  it('recovers the deliveries that failed since a time, and redelivers one on request', async () => {
    const merchantId = `mer_recover_${randomSuffix()}`;
    const r = await receiver();
    r.answer = { status: 500, body: 'no' };
    const { endpoint } = await createEndpoint(createReq(merchantId, r.url));
    const endpointId = endpoint?.id ?? '';
    const since = new Date();
    const events = [aKeeperMobileEvent({ merchantId }), aKeeperMobileEvent({ merchantId })];
    for (const e of events) await publish(producer, topic, e);
    await waitFor(
      async () => {
        const list = await deliveries(merchantId);
        return (
          list.length === 2 &&
          list.every((d) => d.status === DeliveryStatus.DELIVERY_STATUS_EXHAUSTED)
        );
      },
      { timeoutMs: 45_000, what: 'both deliveries to give up after the window' },
    );
    r.answer = { status: 200, body: 'ok' };
    const before = r.bodies.length;
    const { recovered } = await client.recoverEndpoint({ merchantId, endpointId, since });
    expect(recovered).toBe(2);
    await waitFor(
      async () =>
        (await deliveries(merchantId)).every(
          (d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED,
        ),
      { what: 'the recovered deliveries to be delivered' },
    );
    expect(r.bodies.length - before).toBe(2);

    const [one] = await deliveries(merchantId);
    await expect(
      client.redeliverDelivery({ merchantId: 'mer_someone_else', deliveryId: one?.id ?? '' }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_DELIVERY_NOT_FOUND' });
    await client.redeliverDelivery({ merchantId, deliveryId: one?.id ?? '' });
    await waitFor(() => r.bodies.length - before === 3, { what: 'the redelivery' });
  });

  it('manages endpoints and never shows one to another merchant', async () => {
    const merchantId = `mer_manage_${randomSuffix()}`;
    const r = await receiver();
    const created = await createEndpoint(
      createReq(merchantId, r.url, { idempotencyKey: 'create-1', description: 'shop' }),
    );
    const replay = await createEndpoint(
      createReq(merchantId, r.url, { idempotencyKey: 'create-1', description: 'shop' }),
    );
    expect(replay).toMatchObject({ replayed: true, signingSecret: created.signingSecret });
    const id = created.endpoint?.id ?? '';
    await expect(
      client.getEndpoint({ merchantId: 'mer_other', endpointId: id }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_ENDPOINT_NOT_FOUND' });
    await expect(
      createEndpoint(createReq(merchantId, r.url, { eventTypes: ['payment.nope'] })),
    ).rejects.toMatchObject({ code: 'NOTIFIER_INVALID_ENDPOINT' });

    const disabled = await client.disableEndpoint({ merchantId, endpointId: id });
    expect(disabled.endpoint).toMatchObject({
      status: EndpointStatus.ENDPOINT_STATUS_DISABLED,
      disabledReason: 'merchant',
    });
    await client.enableEndpoint({ merchantId, endpointId: id });
    const { events } = await client.listEndpointEvents({
      merchantId,
      endpointId: id,
      pageSize: 10,
      pageToken: '',
    });
    expect(events.map((e) => e.type)).toEqual(['endpoint.enabled', 'endpoint.disabled']);

    // A client that timed out and retried at once: the two calls race, one rotation happens.
    const rotate = { merchantId, endpointId: id, overlapSeconds: 60, idempotencyKey: 'rot-1' };
    const [rotated, retried] = await Promise.all([
      client.rotateEndpointSecret(rotate),
      client.rotateEndpointSecret(rotate),
    ]);
    secrets.add(rotated.signingSecret);
    expect(rotated.signingSecret).toMatch(/^whsec_/);
    expect(rotated.signingSecret).not.toBe(created.signingSecret);
    expect(retried.signingSecret).toBe(rotated.signingSecret);
    expect([rotated.replayed, retried.replayed].sort()).toEqual([false, true]);
    expect(rotated.endpoint?.previousSecretExpiresAt).toBeInstanceOf(Date);
    await expect(
      client.rotateEndpointSecret({ ...rotate, overlapSeconds: 120 }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED' });

    expect((await client.listEndpoints({ merchantId })).endpoints.map((e) => e.id)).toEqual([id]);
    await client.deleteEndpoint({ merchantId, endpointId: id });
    expect((await client.listEndpoints({ merchantId })).endpoints).toEqual([]);

    // The rotation key is the merchant's, even after its endpoint was deleted.
    const next = await createEndpoint(createReq(merchantId, r.url, { idempotencyKey: 'create-2' }));
    await expect(
      client.rotateEndpointSecret({ ...rotate, endpointId: next.endpoint?.id ?? '' }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_IDEMPOTENCY_KEY_REUSED' });
    // Longer than an index entry can hold: refused by name, not an INTERNAL from PostgreSQL.
    const huge = Array.from({ length: 400 }, () => randomSuffix()).join('');
    await expect(
      createEndpoint(createReq(merchantId, r.url, { idempotencyKey: huge })),
    ).rejects.toMatchObject({ code: 'NOTIFIER_INVALID_ENDPOINT' });
    await expect(createEndpoint(createReq(`mer_${huge}`, r.url))).rejects.toMatchObject({
      code: 'NOTIFIER_INVALID_ENDPOINT',
    });
  });

  it('keeps UpsertEndpoint managing the one default endpoint', async () => {
    const merchantId = `mer_default_${randomSuffix()}`;
    const r = await receiver();
    const secret = 'checkout-secret-0123456789';
    secrets.add(secret);
    await client.upsertEndpoint({ merchantId, url: r.url, signingSecret: secret });
    await client.upsertEndpoint({ merchantId, url: `${r.url}?v=2`, signingSecret: secret });
    const { endpoints } = await client.listEndpoints({ merchantId });
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({ isDefault: true, url: `${r.url}?v=2` });
    await expect(
      client.deleteEndpoint({ merchantId, endpointId: endpoints[0]?.id ?? '' }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_DEFAULT_ENDPOINT_MANAGED' });
  });

  it("keeps test and live apart: each endpoint gets its own mode's events, each key sees its own", async () => {
    const merchantId = `mer_mode_${randomSuffix()}`;
    const [liveR, testR, resultR] = [await receiver(), await receiver(), await receiver()];
    const live = await createEndpoint(createReq(merchantId, liveR.url, { livemode: true }));
    const test = await createEndpoint(createReq(merchantId, testR.url, { livemode: false }));
    // The onboarding endpoint (seed 001's result URL) is live and gets test events too.
    const secret = `whsec_${Buffer.from(randomSuffix().padEnd(24, 'x')).toString('base64')}`;
    secrets.add(secret);
    await client.upsertEndpoint({ merchantId, url: resultR.url, signingSecret: secret });
    const [livePay, testPay] = [newId('pay'), newId('pay')];
    await publish(producer, topic, aKeeperMobileEvent({ merchantId, paymentId: livePay }));
    await publish(
      producer,
      topic,
      aKeeperMobileEvent({ merchantId, paymentId: testPay, livemode: false }),
    );
    await waitFor(
      async () => {
        const list = await deliveries(merchantId);
        return (
          list.length === 4 &&
          list.every((d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED)
        );
      },
      { timeoutMs: 45_000, what: 'four deliveries delivered' },
    );
    expect(liveR.bodies.map((b) => paymentIdOf(b.body))).toEqual([livePay]);
    expect(testR.bodies.map((b) => paymentIdOf(b.body))).toEqual([testPay]);
    expect(resultR.bodies.map((b) => paymentIdOf(b.body)).sort()).toEqual(
      [livePay, testPay].sort(),
    );

    const inMode = async (livemode: boolean) =>
      (
        await client.listDeliveries({
          merchantId,
          paymentId: '',
          endpointId: '',
          status: DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED,
          pageSize: 100,
          pageToken: '',
          livemode,
        })
      ).deliveries;
    const testDeliveries = await inMode(false);
    expect(testDeliveries.map((d) => d.paymentId)).toEqual([testPay, testPay]);
    expect(testDeliveries.every((d) => !d.livemode)).toBe(true);
    expect((await inMode(true)).map((d) => d.paymentId)).toEqual([livePay, livePay]);
    const testEndpoints = await client.listEndpoints({ merchantId, livemode: false });
    expect(testEndpoints.endpoints.map((e) => e.id)).toEqual([test.endpoint?.id]);
    await expect(
      client.getEndpoint({ merchantId, endpointId: live.endpoint?.id ?? '', livemode: false }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_ENDPOINT_NOT_FOUND' });
    const liveDelivery = (await inMode(true))[0];
    await expect(
      client.getDelivery({ merchantId, deliveryId: liveDelivery?.id ?? '', livemode: false }),
    ).rejects.toMatchObject({ code: 'NOTIFIER_DELIVERY_NOT_FOUND' });
  });

  it('signed every request the receivers got verifiably (standardwebhooks package)', () => {
    const received = receivers.flatMap((r) => r.bodies);
    expect(received.length).toBeGreaterThan(0);
    for (const { body, headers } of received) {
      expect([...secrets].some((secret) => verifies(secret, body, headers))).toBe(true);
    }
  });
});
