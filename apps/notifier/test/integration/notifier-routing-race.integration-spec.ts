import { Secret } from '@tolem/config';
import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeRecordDelivery } from '../../src/app/record-delivery';
import { makeUpsertEndpoint } from '../../src/app/upsert-endpoint';
import { createDeliveriesRepo } from '../../src/db/deliveries.repo';
import { createEndpointsRepo } from '../../src/db/endpoints.repo';
import { createEventsRepo } from '../../src/db/events.repo';
import { createTransactor } from '../../src/db/transactor';
import type { NotificationEvent } from '../../src/domain/notification-event';

const WINDOW = 72 * 3_600_000;
const clock = { now: () => new Date() };

const event = (merchantId: string): NotificationEvent => ({
  eventId: `evt_race_${merchantId}`,
  eventType: 'payment.succeeded',
  occurredAt: new Date(),
  paymentId: `pay_race_${merchantId}`,
  merchantId,
  orderId: 'o-1',
  livemode: false,
  gross: { amountMinor: 100n, currency: 'USD' },
  fee: undefined,
  net: undefined,
  method: 'card',
  provider: 'intellectmoney',
  providerPaymentId: '',
  ledgerTransactionId: '',
  description: '',
  sequence: 1n,
  paymentStatus: 'succeeded',
  failureCode: '',
  providerAttributes: {},
});

describe('routing an event recorded while its merchant’s first endpoint is created (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;

  beforeAll(async () => {
    database = await freshDatabase('notifier_race');
    db = createKnex({ url: database.url, applicationName: 'notifier-race-it' });
    await migrateLatest(db, migrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('routes an event whose recording saw no endpoint but committed after the endpoint did', async () => {
    const merchantId = 'mer_race';
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sawEndpoints = -1;
    // The consumer's transaction: it reads "no endpoint", then stalls before inserting the event.
    const recording = db.transaction(async (trx) => {
      const endpoints = createEndpointsRepo(trx);
      const record = makeRecordDelivery({
        deliveries: createDeliveriesRepo(trx),
        events: createEventsRepo(trx),
        endpoints: {
          ...endpoints,
          async listForMerchant(id) {
            const found = await endpoints.listForMerchant(id);
            sawEndpoints = found.length;
            await gate;
            return found;
          },
        },
        clock,
        retryWindowMs: WINDOW,
      });
      return record(event(merchantId));
    });
    await new Promise((r) => setTimeout(r, 100));
    // Checkout's onboarding step creates the endpoint meanwhile.
    const upserting = makeUpsertEndpoint({
      transactor: createTransactor(db),
      clock,
      retryWindowMs: WINDOW,
    })({
      merchantId,
      url: 'https://shop.example/hook',
      signingSecret: new Secret('0123456789abcdef'),
    });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await Promise.all([recording, upserting]);

    expect(sawEndpoints).toBe(0);
    const deliveries = await db('deliveries').where({ merchant_id: merchantId }).select('event_id');
    expect(deliveries).toEqual([{ event_id: `evt_race_${merchantId}` }]);
    const [stored] = await db('notification_events').where({ merchant_id: merchantId });
    expect(stored.routed).toBe(true);
  });

  it('routes thousands of events recorded before the first endpoint in a few statements', async () => {
    const merchantId = 'mer_many';
    const count = 1_500;
    await db.transaction(async (trx) => {
      const record = makeRecordDelivery({
        deliveries: createDeliveriesRepo(trx),
        events: createEventsRepo(trx),
        endpoints: createEndpointsRepo(trx),
        clock,
        retryWindowMs: WINDOW,
      });
      for (let i = 0; i < count; i += 1) {
        await record({
          ...event(merchantId),
          eventId: `evt_many_${i}`,
          paymentId: `pay_many_${i}`,
        });
      }
    });

    const inserts: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (q.sql.startsWith('insert into "deliveries"')) inserts.push(q.sql);
    };
    db.on('query', onQuery);
    await makeUpsertEndpoint({ transactor: createTransactor(db), clock, retryWindowMs: WINDOW })({
      merchantId,
      url: 'https://many.example/hook',
      signingSecret: new Secret('0123456789abcdef'),
    });
    db.off('query', onQuery);

    // One statement a thousand deliveries, not one a delivery.
    expect(inserts).toHaveLength(2);
    const [{ n }] = (await db('deliveries')
      .where({ merchant_id: merchantId })
      .countDistinct('event_id as n')) as [{ n: string }];
    expect(Number(n)).toBe(count);
    const unrouted = await db('notification_events').where({
      merchant_id: merchantId,
      routed: false,
    });
    expect(unrouted).toEqual([]);
  });
});
