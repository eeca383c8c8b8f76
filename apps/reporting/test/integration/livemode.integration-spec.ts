import { credentials } from '@grpc/grpc-js';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import {
  LedgerServiceClient,
  PostPaymentRequest,
  RefundOutcome,
  RefundPaymentRequest,
  ResolveRefundRequest,
  SetFeePlanRequest,
} from '@tolem/contracts/ledger';
import { type PaymentFilter, ReportingServiceClient } from '@tolem/contracts/reporting';
import type { Knex } from '@tolem/db-kit';
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
  waitFor,
} from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PaymentsTopic, RunningReporting, TestDatabase } from './harness';
import { paymentsTopic, startReporting, testDatabase } from './harness';

const MERCHANT = `mer_mode_${randomSuffix()}`;
const DAY = '2026-05-01';
const kgs = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

/**
 * Test and live modes through real processes: the ledger posts a merchant's test and live
 * payments of one day, currency and method and publishes their events to the topic reporting
 * consumes; reporting keeps them apart in every read, and its consistency check (against that
 * ledger) compares the two modes apart, naming the mode of a difference.
 */
describe('reporting per mode (real ledger and reporting, PostgreSQL, Kafka)', () => {
  let reportingDb: TestDatabase;
  let ledgerDb: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let ledgerService: ServiceProcess;
  let reporting: RunningReporting;
  let ledger: PromiseClient<LedgerServiceClient>;
  let client: PromiseClient<ReportingServiceClient>;
  let reportingAddress: string;
  let payments: PaymentsTopic;

  const testPay = newId('pay');
  const livePay = newId('pay');
  const liveRefunded = newId('pay');
  const liveRefund = `re_${randomSuffix()}`;

  const payment = (paymentId: string, gross: bigint, livemode: boolean) =>
    PostPaymentRequest.fromPartial({
      idempotencyKey: `payment:${paymentId}:succeeded`,
      paymentId,
      merchantId: MERCHANT,
      gross: kgs(gross),
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: `wm-${paymentId}`,
      orderId: `order-${paymentId}`,
      occurredAt: new Date(`${DAY}T10:00:00Z`),
      livemode,
    });
  const filter = (livemode?: boolean): PaymentFilter => ({
    merchantId: MERCHANT,
    status: '',
    method: '',
    currency: '',
    createdFrom: undefined,
    createdTo: undefined,
    livemode,
  });
  const listed = async (livemode?: boolean) =>
    (await client.listPayments({ filter: filter(livemode), pageSize: 0, pageToken: '' })).payments
      .map((p) => [p.paymentId, p.livemode, p.status])
      .sort();
  const check = async () =>
    (await client.checkConsistency({ merchantId: MERCHANT, fromDay: DAY, toDay: DAY })).report;

  beforeAll(async () => {
    [reportingDb, ledgerDb] = await Promise.all([
      testDatabase('reporting_mode'),
      freshDatabase('ledger_mode'),
    ]);
    db = reportingDb.db;
    payments = await paymentsTopic('mode');
    const ledgerPort = await freePort();
    const ledgerAddress = `127.0.0.1:${ledgerPort}`;
    ledgerService = await spawnService({
      name: 'ledger',
      entry: 'apps/ledger/src/main.ts',
      env: {
        DATABASE_URL: ledgerDb.url,
        KAFKA_BROKERS: integrationEnv().kafkaBrokers,
        PAYMENTS_TOPIC: payments.topic,
        GRPC_PORT: String(ledgerPort),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
      },
      ready: () => grpcServing(ledgerAddress),
    });
    reporting = await startReporting(reportingDb.url, payments, {
      LEDGER_ADDR: ledgerAddress,
      CONSISTENCY_INTERVAL_MS: '0',
    });
    ({ address: reportingAddress, client } = reporting);
    ledger = createClient(LedgerServiceClient, ledgerAddress, { defaultDeadlineMs: 15_000 });
  });

  afterAll(async () => {
    ledger?.close();
    await reporting?.stop();
    await ledgerService?.stop();
    await payments?.close();
    await reportingDb?.drop();
    await ledgerDb?.drop();
  });

  it('keeps a test and a live payment of one merchant, day, currency and method apart in lists, totals, refunds and the CSV', async () => {
    await ledger.setFeePlan(
      SetFeePlanRequest.fromPartial({
        merchantId: MERCHANT,
        rules: [
          {
            method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
            percentBps: 0,
            fixed: [kgs(100n)],
          },
        ],
      }),
    );
    await ledger.postPayment(payment(testPay, 10_000n, false));
    await ledger.postPayment(payment(livePay, 7_000n, true));
    await ledger.postPayment(payment(liveRefunded, 4_000n, true));
    await ledger.refundPayment(
      RefundPaymentRequest.fromPartial({
        refundId: liveRefund,
        paymentId: liveRefunded,
        amount: kgs(1_000n),
        occurredAt: new Date(`${DAY}T11:00:00Z`),
      }),
    );
    await ledger.resolveRefund(
      ResolveRefundRequest.fromPartial({
        refundId: liveRefund,
        outcome: RefundOutcome.REFUND_OUTCOME_PAID_OUT,
        reference: 'WM-1',
        occurredAt: new Date(`${DAY}T12:00:00Z`),
      }),
    );
    await waitFor(
      async () =>
        (await listed()).some(
          ([id, , status]) => id === liveRefunded && status === 'partially_refunded',
        ),
      { timeoutMs: 45_000, what: 'reporting to have the three payments and the refund' },
    );

    expect(await listed(false)).toEqual([[testPay, false, 'succeeded']]);
    expect(await listed(true)).toEqual(
      [
        [livePay, true, 'succeeded'],
        [liveRefunded, true, 'partially_refunded'],
      ].sort(),
    );
    expect(await listed()).toHaveLength(3);

    const totals = await client.getDailyTotals({
      merchantId: MERCHANT,
      fromDay: DAY,
      toDay: DAY,
      method: 'webmoney_purse',
      currency: 'KGS',
    });
    expect(
      totals.payments.map((r) => [r.status, r.livemode, r.paymentsCount, r.grossMinor, r.netMinor]),
    ).toEqual([
      ['partially_refunded', true, 1n, 4_000n, 3_900n],
      ['succeeded', false, 1n, 10_000n, 9_900n],
      ['succeeded', true, 1n, 7_000n, 6_900n],
    ]);
    expect(totals.refunds.map((r) => [r.status, r.livemode, r.refundsCount])).toEqual([
      ['succeeded', true, 1n],
    ]);
    const testTotals = await client.getDailyTotals({
      merchantId: MERCHANT,
      fromDay: DAY,
      toDay: DAY,
      method: '',
      currency: '',
      livemode: false,
    });
    expect(testTotals.payments.map((r) => [r.status, r.livemode, r.grossMinor])).toEqual([
      ['succeeded', false, 10_000n],
    ]);
    expect(testTotals.refunds).toEqual([]);

    const refunds = async (livemode?: boolean) =>
      (
        await client.listRefunds({
          merchantId: MERCHANT,
          paymentId: '',
          pageSize: 0,
          pageToken: '',
          livemode,
        })
      ).refunds.map((r) => [r.refundId, r.livemode]);
    expect(await refunds(true)).toEqual([[liveRefund, true]]);
    expect(await refunds(false)).toEqual([]);

    const csv = async (livemode?: boolean) => {
      const raw = new ReportingServiceClient(reportingAddress, credentials.createInsecure());
      let text = '';
      for await (const chunk of raw.exportPaymentsCsv({
        filter: filter(livemode),
      }) as AsyncIterable<{
        data: string;
      }>)
        text += chunk.data;
      raw.close();
      const [header, ...records] = text.split('\r\n').filter(Boolean);
      const columns = (header ?? '').split(',');
      const at = columns.indexOf('livemode');
      return records.map((r) => [r.split(',')[0], r.split(',')[at]]).sort();
    };
    expect(await csv(true)).toEqual(
      [
        [livePay, 'true'],
        [liveRefunded, 'true'],
      ].sort(),
    );
    expect(await csv(false)).toEqual([[testPay, 'false']]);
    expect(await csv()).toHaveLength(3);
  });

  it('agrees with the ledger per mode, and names the mode of a row deliberately removed', async () => {
    const report = await waitFor(
      async () => {
        const r = await check();
        return r?.consistent && r;
      },
      { timeoutMs: 30_000, what: 'reporting to match the ledger in both modes' },
    );
    expect(report.error).toBe('');

    expect(await db('payment_facts').where({ payment_id: livePay }).delete()).toBe(1);
    const broken = await check();
    expect(broken?.consistent).toBe(false);
    expect(broken?.differences.map((d) => [d.livemode, d.metric, d.reporting, d.ledger])).toEqual([
      [true, 'payments_count', 1n, 2n],
      [true, 'gross_minor', 4_000n, 11_000n],
      [true, 'fee_minor', 100n, 200n],
      [true, 'net_minor', 3_900n, 10_800n],
    ]);
  });

  it('keeps a live payment live through duplicates, any order and an event from before modes', async () => {
    // Published straight to the topic, for another merchant (the ledger never saw them).
    const merchantId = `${MERCHANT}_direct`;
    const paymentId = newId('pay');
    const base = {
      paymentId,
      merchantId,
      gross: kgs(5_000n),
      fee: kgs(50n),
      net: kgs(4_950n),
      method: PaymentMethod.PAYMENT_METHOD_QR,
      provider: Provider.PROVIDER_QR_ACQUIRER,
      occurredAt: new Date(`${DAY}T09:00:00Z`),
    };
    const events = [
      // As published before modes: no livemode on the wire.
      PaymentEvent.fromPartial({
        ...base,
        eventId: newId('evt'),
        eventType: 'payment.pending',
        paymentStatus: 'pending',
        fee: kgs(0n),
        net: kgs(0n),
        sequence: 1n,
      }),
      PaymentEvent.fromPartial({
        ...base,
        eventId: newId('evt'),
        eventType: 'payment.succeeded',
        paymentStatus: 'succeeded',
        sequence: 2n,
        livemode: true,
      }),
    ];
    const send = (list: PaymentEvent[]) => payments.publish(list);
    // Newest first, then both again (the same ids), then the success under a new event id.
    const redelivered = { ...(events[1] as PaymentEvent), eventId: newId('evt') };
    await send([events[1] as PaymentEvent, events[0] as PaymentEvent]);
    await send(events);
    await send([redelivered]);
    await waitFor(
      async () =>
        (await db('processed_events').where({ event_id: redelivered.eventId }).first()) !==
        undefined,
      { timeoutMs: 45_000, what: 'the redelivered success to be processed' },
    );
    const fact = (await client.getPaymentFact({ paymentId })).fact;
    expect(fact).toMatchObject({
      status: 'succeeded',
      livemode: true,
      gross: { amountMinor: 5_000n },
      lastSequence: 2n,
    });
    expect(fact?.history.map((h) => h.status)).toEqual(['pending', 'succeeded']);
    const rows = await db('daily_totals')
      .where({ merchant_id: merchantId })
      .select('status', 'livemode', 'payments_count', 'gross_minor');
    expect(rows).toEqual([
      { status: 'succeeded', livemode: true, payments_count: 1n, gross_minor: 5_000n },
    ]);
  });
});
