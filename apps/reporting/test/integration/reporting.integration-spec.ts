import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import type { ReportingServiceClient } from '@tolem/contracts/reporting';
import type { Knex } from '@tolem/db-kit';
import type { PromiseClient } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { randomSuffix, REPO_ROOT, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PaymentsTopic, RunningReporting, TestDatabase } from './harness';
import { paymentsTopic, startReporting, testDatabase } from './harness';

const MERCHANT = `mer_rep_${randomSuffix()}`;

function anEvent(overrides: Partial<PaymentEvent>): PaymentEvent {
  return PaymentEvent.fromPartial({
    eventId: newId('evt'),
    eventType: 'payment.succeeded',
    occurredAt: new Date('2026-03-01T10:00:00.000Z'),
    paymentId: newId('pay'),
    merchantId: MERCHANT,
    orderId: 'order-1',
    gross: { amountMinor: 10_000n, currency: 'KGS' },
    fee: { amountMinor: 200n, currency: 'KGS' },
    net: { amountMinor: 9_800n, currency: 'KGS' },
    method: PaymentMethod.PAYMENT_METHOD_QR,
    provider: Provider.PROVIDER_QR_ACQUIRER,
    providerPaymentId: 'qr-1',
    ledgerTransactionId: newId('txn'),
    sequence: 1n,
    ...overrides,
  });
}

describe('reporting (real process, PostgreSQL, Kafka)', () => {
  let database: TestDatabase;
  let db: Knex;
  let payments: PaymentsTopic;
  let reporting: RunningReporting;
  let client: PromiseClient<ReportingServiceClient>;

  const publish = (event: PaymentEvent, headers?: Record<string, string>) =>
    payments.publish([event], headers);
  const factOf = (paymentId: string) => client.getPaymentFact({ paymentId }).then((r) => r.fact);
  const waitForFact = (paymentId: string, lastEventId: string) =>
    waitFor(
      async () => {
        const fact = await factOf(paymentId).catch(() => undefined);
        return fact?.lastEventId === lastEventId && fact;
      },
      { timeoutMs: 45_000, what: `fact of ${paymentId} at ${lastEventId}` },
    );
  const waitProcessed = (eventId: string) =>
    waitFor(
      async () => (await db('processed_events').where({ event_id: eventId }).first()) !== undefined,
      {
        timeoutMs: 45_000,
        what: `event ${eventId} to be processed`,
      },
    );
  const totals = async () =>
    (
      await db('daily_totals')
        .where({ merchant_id: MERCHANT })
        .select(
          db.raw("to_char(day, 'YYYY-MM-DD') as day"),
          'currency',
          'status',
          'payments_count',
          'gross_minor',
          'fee_minor',
          'net_minor',
        )
        .orderBy(['day', 'currency', 'status'])
    ).map((r: Record<string, unknown>) => ({ ...r }));

  beforeAll(async () => {
    database = await testDatabase('reporting_it');
    db = database.db;
    payments = await paymentsTopic('rep');
    reporting = await startReporting(database.url, payments);
    client = reporting.client;
  });

  afterAll(async () => {
    await reporting?.stop();
    await payments?.close();
    await database?.drop();
  });

  const keeper = anEvent({
    paymentId: newId('pay'),
    orderId: 'Order "7", blue',
    gross: { amountMinor: 150_000n, currency: 'RUB' },
    fee: { amountMinor: 3_000n, currency: 'RUB' },
    net: { amountMinor: 147_000n, currency: 'RUB' },
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: '1234567',
    providerAttributes: { payer_phone: '79001234567', keeper_mobile_payment_no: 'KM-1' },
    occurredAt: new Date('2026-03-01T23:59:59.500Z'),
  });
  const qr1 = anEvent({ occurredAt: new Date('2026-03-01T08:00:00Z') });
  const qr2 = anEvent({
    occurredAt: new Date('2026-03-02T00:00:00Z'),
    gross: { amountMinor: 5_000n, currency: 'KGS' },
    fee: { amountMinor: 100n, currency: 'KGS' },
    net: { amountMinor: 4_900n, currency: 'KGS' },
  });
  const qrRefund = anEvent({
    eventType: 'refund.succeeded',
    paymentId: qr1.paymentId,
    sequence: 2n,
    occurredAt: new Date('2026-03-02T09:00:00Z'),
  });

  it('turns events into payment facts', async () => {
    for (const e of [keeper, qr1, qr2]) await publish(e);
    const fact = await waitForFact(keeper.paymentId, keeper.eventId);
    expect(fact).toMatchObject({
      paymentId: keeper.paymentId,
      merchantId: MERCHANT,
      orderId: 'Order "7", blue',
      status: 'succeeded',
      gross: { amountMinor: 150_000n, currency: 'RUB' },
      fee: { amountMinor: 3_000n, currency: 'RUB' },
      net: { amountMinor: 147_000n, currency: 'RUB' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: '1234567',
      providerAttributes: { payer_phone: '79001234567', keeper_mobile_payment_no: 'KM-1' },
      lastSequence: 1n,
      occurredAt: new Date('2026-03-01T23:59:59.500Z'),
    });
    await waitForFact(qr1.paymentId, qr1.eventId);
    await waitForFact(qr2.paymentId, qr2.eventId);
    await expect(client.getPaymentFact({ paymentId: 'pay_unknown' })).rejects.toMatchObject({
      code: 'REPORTING_FACT_NOT_FOUND',
      kind: 'not_found',
    });
  });

  it('moves a refunded payment between statuses, and a duplicate or older event changes nothing', async () => {
    await publish(qrRefund);
    const refunded = await waitForFact(qr1.paymentId, qrRefund.eventId);
    expect(refunded).toMatchObject({ status: 'refunded', lastSequence: 2n });
    const totalsBefore = await totals();

    // Same event id with other content, then an older sequence under a new id (same key, so the
    // same partition and order: once the older one is processed, the duplicate was seen first).
    await publish(
      anEvent({
        ...qrRefund,
        gross: { amountMinor: 1n, currency: 'KGS' },
        eventType: 'payment.failed',
      }),
      {
        'event-id': qrRefund.eventId,
        'event-type': 'payment.failed',
      },
    );
    const older = anEvent({
      ...qr1,
      eventId: newId('evt'),
      eventType: 'payment.failed',
      sequence: 1n,
    });
    await publish(older);
    await waitProcessed(older.eventId);

    expect(await factOf(qr1.paymentId)).toEqual(refunded);
    expect(await totals()).toEqual(totalsBefore);
  });

  it('keeps daily totals equal to the facts, per merchant, UTC day, currency and status', async () => {
    // The refunded payment stays on the day it was paid, with what it earned.
    expect(await totals()).toEqual([
      {
        day: '2026-03-01',
        currency: 'KGS',
        status: 'refunded',
        payments_count: 1n,
        gross_minor: 10_000n,
        fee_minor: 200n,
        net_minor: 9_800n,
      },
      {
        day: '2026-03-01',
        currency: 'RUB',
        status: 'succeeded',
        payments_count: 1n,
        gross_minor: 150_000n,
        fee_minor: 3_000n,
        net_minor: 147_000n,
      },
      {
        day: '2026-03-02',
        currency: 'KGS',
        status: 'succeeded',
        payments_count: 1n,
        gross_minor: 5_000n,
        fee_minor: 100n,
        net_minor: 4_900n,
      },
    ]);
    const fromFacts = await db('payment_facts')
      .where({ merchant_id: MERCHANT })
      .select(
        db.raw("to_char((occurred_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day"),
        'currency',
        'status',
        db.raw('count(*)::bigint as payments_count'),
        db.raw('sum(gross_minor)::bigint as gross_minor'),
        db.raw('sum(fee_minor)::bigint as fee_minor'),
        db.raw('sum(net_minor)::bigint as net_minor'),
      )
      .groupByRaw('1, 2, 3')
      .orderByRaw('1, 2, 3');
    expect(await totals()).toEqual(fromFacts.map((r: Record<string, unknown>) => ({ ...r })));
  });

  it('lists a time range newest first with paging', async () => {
    const range = {
      merchantId: MERCHANT,
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-03T00:00:00Z'),
    };
    const first = await client.listPaymentFacts({ ...range, pageSize: 2, pageToken: '' });
    expect(first.facts.map((f) => f.paymentId)).toEqual([qr2.paymentId, keeper.paymentId]);
    const second = await client.listPaymentFacts({
      ...range,
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.facts.map((f) => f.paymentId)).toEqual([qr1.paymentId]);
    expect(second.nextPageToken).toBe('');
    const dayOne = await client.listPaymentFacts({
      ...range,
      to: new Date('2026-03-02T00:00:00Z'),
      pageSize: 0,
      pageToken: '',
    });
    expect(dayOne.facts.map((f) => f.paymentId)).toEqual([keeper.paymentId, qr1.paymentId]);
    await expect(
      client.listPaymentFacts({ ...range, merchantId: '', pageSize: 1, pageToken: '' }),
    ).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
      kind: 'invalid',
    });
  });

  it('ends status and case sequences with the right fact, case money and succeeded totals', async () => {
    const merchantId = `mer_rep_cases_${randomSuffix()}`;
    const KGS = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });
    const at = (day: string) => new Date(`2026-05-${day}T12:00:00Z`);
    const status = (paymentId: string, sequence: bigint, paymentStatus: string, day: string) =>
      anEvent({
        merchantId,
        paymentId,
        sequence,
        eventType: `payment.${paymentStatus}`,
        paymentStatus,
        occurredAt: at(day),
        fee: KGS(0n),
        net: KGS(0n),
        ledgerTransactionId: '',
      });
    const caseEvent = (
      paymentId: string,
      sequence: bigint,
      eventType: string,
      day: string,
      overrides: Partial<PaymentEvent> = {},
    ) =>
      anEvent({
        merchantId,
        paymentId,
        sequence,
        eventType,
        occurredAt: at(day),
        gross: KGS(0n),
        fee: KGS(0n),
        net: KGS(0n),
        caseId: `case_${paymentId}`,
        ...overrides,
      });
    const [failed, expired, canceled, duplicated, late] = [
      newId('pay'),
      newId('pay'),
      newId('pay'),
      newId('pay'),
      newId('pay'),
    ] as const;
    const flows: Record<string, PaymentEvent[]> = {
      failed: [
        status(failed, 1n, 'pending', '01'),
        { ...status(failed, 2n, 'failed', '01'), failureCode: 'insufficient_funds' },
      ],
      expired: [status(expired, 1n, 'pending', '01'), status(expired, 2n, 'expired', '01')],
      canceled: [status(canceled, 1n, 'pending', '01'), status(canceled, 2n, 'canceled', '01')],
      duplicated: [
        anEvent({
          merchantId,
          paymentId: duplicated,
          paymentStatus: 'succeeded',
          occurredAt: at('01'),
        }),
        caseEvent(duplicated, 2n, 'funds.unapplied', '02', {
          gross: KGS(10_000n),
          caseKind: 'duplicate_payment',
        }),
        caseEvent(duplicated, 3n, 'case.opened', '02', { caseKind: 'duplicate_payment' }),
        caseEvent(duplicated, 4n, 'payment.funds_applied', '03', {
          gross: KGS(10_000n),
          fee: KGS(200n),
          net: KGS(9_800n),
        }),
        caseEvent(duplicated, 5n, 'case.resolved', '03', {
          caseKind: 'duplicate_payment',
          caseResolution: 'applied',
        }),
      ],
      late: [
        status(late, 1n, 'pending', '01'),
        status(late, 2n, 'expired', '01'),
        caseEvent(late, 3n, 'funds.unapplied', '02', {
          gross: KGS(9_000n),
          caseKind: 'late_payment',
        }),
        caseEvent(late, 4n, 'case.opened', '02', { caseKind: 'late_payment' }),
        caseEvent(late, 5n, 'payment.funds_applied', '03', {
          paymentStatus: 'succeeded',
          gross: KGS(9_000n),
          fee: KGS(180n),
          net: KGS(8_820n),
        }),
        caseEvent(late, 6n, 'case.resolved', '03', {
          caseKind: 'late_payment',
          caseResolution: 'applied',
        }),
      ],
    };
    for (const events of Object.values(flows)) for (const e of events) await publish(e);
    const facts = Object.fromEntries(
      await Promise.all(
        Object.entries(flows).map(async ([name, events]) => {
          const last = events[events.length - 1] as PaymentEvent;
          return [name, await waitForFact(last.paymentId, last.eventId)] as const;
        }),
      ),
    );

    for (const name of ['failed', 'expired', 'canceled']) {
      expect(facts[name]).toMatchObject({
        status: name,
        gross: KGS(10_000n),
        fee: KGS(0n),
        net: KGS(0n),
        lastSequence: 2n,
        occurredAt: at('01'),
      });
    }
    expect(await db('payment_facts').where({ payment_id: failed }).first('failure_code')).toEqual({
      failure_code: 'insufficient_funds',
    });
    expect(facts['duplicated']).toMatchObject({
      status: 'succeeded',
      gross: KGS(10_000n),
      fee: KGS(200n),
      net: KGS(9_800n),
      lastSequence: 5n,
      lastEventId: flows['duplicated']?.[4]?.eventId,
      occurredAt: at('01'),
    });
    expect(facts['late']).toMatchObject({
      status: 'succeeded',
      gross: KGS(9_000n),
      fee: KGS(180n),
      net: KGS(8_820n),
      lastSequence: 6n,
      occurredAt: at('03'),
    });

    expect(
      await db('payment_cases')
        .where({ merchant_id: merchantId })
        .orderBy('case_kind')
        .select(
          'case_id',
          'payment_id',
          'case_kind',
          'currency',
          'received_minor',
          'applied_gross_minor',
          'applied_fee_minor',
          'applied_net_minor',
          'returned_minor',
          'unapplied_minor',
          'applied_on_top',
          'resolution',
        ),
    ).toEqual([
      {
        case_id: `case_${duplicated}`,
        payment_id: duplicated,
        case_kind: 'duplicate_payment',
        currency: 'KGS',
        received_minor: 10_000n,
        applied_gross_minor: 10_000n,
        applied_fee_minor: 200n,
        applied_net_minor: 9_800n,
        returned_minor: 0n,
        unapplied_minor: 0n,
        applied_on_top: true,
        resolution: 'applied',
      },
      {
        case_id: `case_${late}`,
        payment_id: late,
        case_kind: 'late_payment',
        currency: 'KGS',
        received_minor: 9_000n,
        applied_gross_minor: 9_000n,
        applied_fee_minor: 180n,
        applied_net_minor: 8_820n,
        returned_minor: 0n,
        unapplied_minor: 0n,
        applied_on_top: false,
        resolution: 'applied',
      },
    ]);

    const succeededTotals = await db('daily_totals')
      .where({ merchant_id: merchantId, status: 'succeeded' })
      .orderBy('day')
      .select(
        db.raw("to_char(day, 'YYYY-MM-DD') as day"),
        'payments_count',
        'gross_minor',
        'fee_minor',
        'net_minor',
      );
    // Day 1: the duplicated payment itself. Day 3: the late payment, and the duplicate money
    // credited on top of the first payment (no extra payment).
    expect(succeededTotals.map((r: Record<string, unknown>) => ({ ...r }))).toEqual([
      {
        day: '2026-05-01',
        payments_count: 1n,
        gross_minor: 10_000n,
        fee_minor: 200n,
        net_minor: 9_800n,
      },
      {
        day: '2026-05-03',
        payments_count: 1n,
        gross_minor: 19_000n,
        fee_minor: 380n,
        net_minor: 18_620n,
      },
    ]);
    expect(
      await db('daily_totals')
        .where({ merchant_id: merchantId })
        .whereNot({ status: 'succeeded' })
        .orderBy('status')
        .select('status', 'payments_count', 'fee_minor'),
    ).toEqual([
      { status: 'canceled', payments_count: 1n, fee_minor: 0n },
      { status: 'expired', payments_count: 1n, fee_minor: 0n },
      { status: 'failed', payments_count: 1n, fee_minor: 0n },
    ]);
  });

  it('keeps a succeeded payment and its daily totals as they were through recurring events', async () => {
    const merchantId = `mer_rep_recurring_${randomSuffix()}`;
    const paymentId = newId('pay');
    const paid = anEvent({
      merchantId,
      paymentId,
      paymentStatus: 'succeeded',
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      provider: Provider.PROVIDER_INTELLECTMONEY,
      occurredAt: new Date('2026-06-01T10:00:00Z'),
    });
    const merchantTotals = () =>
      db('daily_totals')
        .where({ merchant_id: merchantId })
        .select(
          db.raw("to_char(day, 'YYYY-MM-DD') as day"),
          'status',
          'payments_count',
          'gross_minor',
          'fee_minor',
          'net_minor',
        )
        .then((rows: Record<string, unknown>[]) => rows.map((r) => ({ ...r })));
    await publish(paid);
    const before = await waitForFact(paymentId, paid.eventId);
    const totalsBefore = await merchantTotals();
    expect(totalsBefore).toEqual([
      {
        day: '2026-06-01',
        status: 'succeeded',
        payments_count: 1n,
        gross_minor: 10_000n,
        fee_minor: 200n,
        net_minor: 9_800n,
      },
    ]);
    // As the ledger publishes them: no status, nothing moved, days later, no method.
    const recurring = (sequence: bigint, eventType: string, o: Partial<PaymentEvent> = {}) =>
      anEvent({
        merchantId,
        paymentId,
        sequence,
        eventType,
        paymentStatus: '',
        fee: { amountMinor: 0n, currency: 'KGS' },
        net: { amountMinor: 0n, currency: 'KGS' },
        method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED,
        provider: Provider.PROVIDER_UNSPECIFIED,
        ledgerTransactionId: '',
        occurredAt: new Date('2026-06-03T10:00:00Z'),
        recurringOperationId: 'sop_1',
        cardBindingId: 'cbd_1',
        ...o,
      });
    const last = recurring(4n, 'recurring.operation.canceled', { cancelReason: 'merchant' });
    for (const e of [
      recurring(2n, 'recurring.charge.succeeded', {
        recurringChargeId: 'chg_1',
        receiptId: 'rct_1',
      }),
      recurring(3n, 'recurring.charge.failed', { recurringChargeId: 'chg_2', failureCode: '51' }),
      last,
    ])
      await publish(e);
    const after = await waitForFact(paymentId, last.eventId);
    expect(after).toEqual({
      ...before,
      lastEventId: last.eventId,
      lastSequence: 4n,
      updatedAt: after?.updatedAt,
    });
    expect(await merchantTotals()).toEqual(totalsBefore);
  });

  it('sends events it can never apply to the DLQ and keeps going', async () => {
    const noMerchant = anEvent({ merchantId: '' });
    await publish(noMerchant);
    await publish(anEvent({}), { 'event-type': 'payment.succeeded' });
    // Outside the date range the earlier tests and the export look at.
    const next = anEvent({
      paymentId: noMerchant.paymentId,
      sequence: 2n,
      occurredAt: new Date('2026-04-01T00:00:00Z'),
    });
    await publish(next);
    await waitForFact(next.paymentId, next.eventId);
    const offsets = await payments.admin.fetchTopicOffsets(payments.dlqTopic);
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(2);
  });

  it('exports a merchant date range as RFC 4180 CSV with integer minor units', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'apps/reporting/src/tools/export-csv.ts'),
        `--merchant=${MERCHANT}`,
        '--from=2026-03-01',
        '--to=2026-03-01',
      ],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
          DATABASE_URL: database.url,
        },
      },
    );
    const records = stdout.split('\r\n');
    expect(records[0]).toBe(
      'payment_id,merchant_id,order_id,status,gross_minor,fee_minor,net_minor,currency,method,provider,provider_payment_id,occurred_at,updated_at,last_sequence,provider_attributes,livemode',
    );
    expect(records).toHaveLength(4);
    expect(records[1]).toMatch(
      new RegExp(`^${qr1.paymentId},${MERCHANT},order-1,refunded,10000,200,9800,KGS,`),
    );
    expect(records[2]).toMatch(
      new RegExp(
        `^${keeper.paymentId},${MERCHANT},"Order ""7"", blue",succeeded,150000,3000,147000,RUB,webmoney_keeper_mobile,webmoney,1234567,` +
          '2026-03-01T23:59:59.500Z,[^,]+,1,"\\{""keeper_mobile_payment_no"":""KM-1"",""payer_phone"":""79001234567""\\}",false$',
      ),
    );
    expect(records[3]).toBe('');

    await expect(
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          join(REPO_ROOT, 'apps/reporting/src/tools/export-csv.ts'),
          '--from=2026-03-01',
        ],
        {
          cwd: REPO_ROOT,
          env: {
            PATH: process.env['PATH'] ?? '',
            TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
            DATABASE_URL: database.url,
          },
        },
      ),
    ).rejects.toMatchObject({ code: 2 });
  });
});
