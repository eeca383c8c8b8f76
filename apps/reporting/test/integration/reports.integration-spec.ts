import { credentials } from '@grpc/grpc-js';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { ReportingServiceClient } from '@tolem/contracts/reporting';
import type { Knex } from '@tolem/db-kit';
import type { PromiseClient } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { freePort, randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PaymentsTopic, RunningReporting, TestDatabase } from './harness';
import { paymentsTopic, startReporting, testDatabase } from './harness';

const MERCHANT = `mer_rpt_${randomSuffix()}`;
const KGS = (amountMinor: bigint) => ({ amountMinor, currency: 'KGS' });

function anEvent(overrides: Partial<PaymentEvent>): PaymentEvent {
  return PaymentEvent.fromPartial({
    eventId: newId('evt'),
    eventType: 'payment.succeeded',
    occurredAt: new Date('2026-04-01T10:00:00.000Z'),
    merchantId: MERCHANT,
    orderId: 'order-1',
    gross: KGS(10_000n),
    fee: KGS(300n),
    net: KGS(9_700n),
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: 'wm-1',
    ledgerTransactionId: newId('txn'),
    sequence: 1n,
    paymentStatus: 'succeeded',
    ...overrides,
  });
}

/** A paid payment, then 3,000 and 2,000 refunded in part, then the remaining 5,000. */
function refundStory(paymentId: string): PaymentEvent[] {
  const refund = (
    sequence: bigint,
    type: string,
    refundId: string,
    amount: bigint,
    at: string,
    paymentStatus = '',
  ) =>
    anEvent({
      paymentId,
      eventType: `refund.${type}`,
      refundId,
      sequence,
      occurredAt: new Date(at),
      gross: KGS(amount),
      fee: KGS(0n),
      net: KGS(amount),
      paymentStatus,
    });
  return [
    anEvent({
      paymentId,
      eventType: 'payment.pending',
      paymentStatus: 'pending',
      fee: KGS(0n),
      net: KGS(0n),
      occurredAt: new Date('2026-04-01T09:59:00Z'),
    }),
    anEvent({ paymentId, sequence: 2n }),
    refund(3n, 'pending', `re_a_${paymentId}`, 3_000n, '2026-04-02T10:00:00Z'),
    refund(
      4n,
      'succeeded',
      `re_a_${paymentId}`,
      3_000n,
      '2026-04-02T11:00:00Z',
      'partially_refunded',
    ),
    refund(5n, 'pending', `re_b_${paymentId}`, 2_000n, '2026-04-03T10:00:00Z'),
    refund(
      6n,
      'succeeded',
      `re_b_${paymentId}`,
      2_000n,
      '2026-04-03T11:00:00Z',
      'partially_refunded',
    ),
    refund(7n, 'pending', `re_c_${paymentId}`, 5_000n, '2026-04-04T10:00:00Z'),
    refund(8n, 'succeeded', `re_c_${paymentId}`, 5_000n, '2026-04-05T10:00:00Z', 'refunded'),
  ];
}

describe('reporting reads, refunds and streaming export (real process, PostgreSQL, Kafka)', () => {
  let database: TestDatabase;
  let db: Knex;
  let payments: PaymentsTopic;
  let reporting: RunningReporting;
  let address: string;
  let client: PromiseClient<ReportingServiceClient>;

  const publish = (events: PaymentEvent[]) => payments.publish(events);
  const processed = (eventIds: string[]) =>
    waitFor(
      async () =>
        Number(
          (
            await db('processed_events')
              .whereIn('event_id', eventIds)
              .count<{ n: string }[]>('* as n')
          )[0]?.n,
        ) === new Set(eventIds).size,
      { timeoutMs: 45_000, what: `${eventIds.length} events to be processed` },
    );

  beforeAll(async () => {
    database = await testDatabase('reporting_rpt');
    db = database.db;
    payments = await paymentsTopic('rpt');
    reporting = await startReporting(database.url, payments, {
      LOG_LEVEL: 'error',
      // Nothing listens there: the continuous check must say so, not call it consistent.
      LEDGER_ADDR: `127.0.0.1:${await freePort()}`,
      CONSISTENCY_INTERVAL_MS: '300',
    });
    ({ address, client } = reporting);
  });

  afterAll(async () => {
    await reporting?.stop();
    await payments?.close();
    await database?.drop();
  });

  const inOrder = newId('pay');
  const shuffled = newId('pay');

  it('keeps a payment as paid through two partial refunds then a full one, whatever the order and duplicates', async () => {
    const story = refundStory(inOrder);
    const other = refundStory(shuffled);
    // Reversed, with the refunds' events sent twice: each is applied once, and a late one only
    // fills in what no newer event set.
    const messy = [...other].reverse();
    messy.splice(2, 0, ...other.slice(2, 6));
    await publish(story);
    await publish(messy);
    await processed([...story, ...other].map((e) => e.eventId));

    const { fact } = await client.getPaymentFact({ paymentId: inOrder });
    expect(fact).toMatchObject({
      status: 'refunded',
      gross: KGS(10_000n),
      fee: KGS(300n),
      net: KGS(9_700n),
      occurredAt: new Date('2026-04-01T10:00:00Z'),
      createdAt: new Date('2026-04-01T09:59:00Z'),
      lastSequence: 8n,
    });
    expect(fact?.history.map((h) => [h.sequence, h.status])).toEqual([
      [1n, 'pending'],
      [2n, 'succeeded'],
      [4n, 'partially_refunded'],
      [6n, 'partially_refunded'],
      [8n, 'refunded'],
    ]);
    const { fact: messyFact } = await client.getPaymentFact({ paymentId: shuffled });
    const comparable = (f: typeof fact) => ({
      ...f,
      paymentId: '',
      lastEventId: '',
      updatedAt: undefined,
    });
    expect(comparable(messyFact)).toEqual(comparable(fact));

    const refunds = await client.listRefunds({
      merchantId: MERCHANT,
      paymentId: inOrder,
      pageSize: 2,
      pageToken: '',
    });
    expect(
      refunds.refunds.map((r) => [r.refundId, r.status, r.amount?.amountMinor, r.day]),
    ).toEqual([
      [`re_c_${inOrder}`, 'succeeded', 5_000n, '2026-04-05'],
      [`re_b_${inOrder}`, 'succeeded', 2_000n, '2026-04-03'],
    ]);
    const rest = await client.listRefunds({
      merchantId: MERCHANT,
      paymentId: inOrder,
      pageSize: 2,
      pageToken: refunds.nextPageToken,
    });
    expect(rest.refunds.map((r) => r.refundId)).toEqual([`re_a_${inOrder}`]);
    expect(rest.nextPageToken).toBe('');

    const totals = await client.getDailyTotals({
      merchantId: MERCHANT,
      fromDay: '2026-04-01',
      toDay: '2026-04-30',
      method: 'webmoney_purse',
      currency: 'KGS',
    });
    expect(totals.payments).toEqual([
      {
        day: '2026-04-01',
        currency: 'KGS',
        method: 'webmoney_purse',
        status: 'refunded',
        livemode: false,
        paymentsCount: 2n,
        grossMinor: 20_000n,
        feeMinor: 600n,
        netMinor: 19_400n,
      },
    ]);
    expect(totals.refunds.map((r) => [r.day, r.status, r.refundsCount, r.amountMinor])).toEqual([
      ['2026-04-02', 'succeeded', 2n, 6_000n],
      ['2026-04-03', 'succeeded', 2n, 4_000n],
      ['2026-04-05', 'succeeded', 2n, 10_000n],
    ]);
    // The maintained totals equal what the rows add up to.
    const fromRows = await db('refund_facts')
      .where({ merchant_id: MERCHANT })
      .select(db.raw('count(*)::bigint as n'), db.raw('sum(amount_minor)::bigint as amount'))
      .first();
    expect(fromRows).toEqual({ n: 6n, amount: 20_000n });
    await expect(
      client.getDailyTotals({
        merchantId: MERCHANT,
        fromDay: '2026-04-02',
        toDay: '2026-04-01',
        method: '',
        currency: '',
      }),
    ).rejects.toMatchObject({ code: 'REPORTING_INVALID_REQUEST' });
  });

  it('lists payments by status, method, currency and created range, paged by cursor', async () => {
    const more = [
      anEvent({ paymentId: newId('pay'), occurredAt: new Date('2026-04-10T10:00:00Z') }),
      anEvent({
        paymentId: newId('pay'),
        occurredAt: new Date('2026-04-10T11:00:00Z'),
        method: PaymentMethod.PAYMENT_METHOD_QR,
        provider: Provider.PROVIDER_QR_ACQUIRER,
      }),
      anEvent({
        paymentId: newId('pay'),
        occurredAt: new Date('2026-04-10T12:00:00Z'),
        gross: { amountMinor: 500n, currency: 'USD' },
        fee: { amountMinor: 15n, currency: 'USD' },
        net: { amountMinor: 485n, currency: 'USD' },
      }),
      anEvent({
        paymentId: newId('pay'),
        eventType: 'payment.failed',
        paymentStatus: 'failed',
        failureCode: 'declined',
        occurredAt: new Date('2026-04-10T13:00:00Z'),
      }),
    ];
    await publish(more);
    await processed(more.map((e) => e.eventId));
    const filter = {
      merchantId: MERCHANT,
      status: 'succeeded',
      method: '',
      currency: '',
      createdFrom: new Date('2026-04-10T00:00:00Z'),
      createdTo: new Date('2026-04-11T00:00:00Z'),
    };
    const page1 = await client.listPayments({ filter, pageSize: 2, pageToken: '' });
    const page2 = await client.listPayments({
      filter,
      pageSize: 2,
      pageToken: page1.nextPageToken,
    });
    expect([...page1.payments, ...page2.payments].map((p) => p.paymentId)).toEqual([
      more[2]?.paymentId,
      more[1]?.paymentId,
      more[0]?.paymentId,
    ]);
    expect(page2.nextPageToken).toBe('');
    const qr = await client.listPayments({
      filter: { ...filter, method: 'qr', currency: 'KGS' },
      pageSize: 0,
      pageToken: '',
    });
    expect(qr.payments.map((p) => p.paymentId)).toEqual([more[1]?.paymentId]);
    const failed = await client.listPayments({
      filter: { ...filter, status: 'failed' },
      pageSize: 0,
      pageToken: '',
    });
    expect(failed.payments).toEqual([
      expect.objectContaining({ paymentId: more[3]?.paymentId, failureCode: 'declined' }),
    ]);
    await expect(
      client.listPayments({ filter: { ...filter, merchantId: '' }, pageSize: 0, pageToken: '' }),
    ).rejects.toMatchObject({ code: 'REPORTING_INVALID_REQUEST' });
  });

  it('streams a large CSV export page by page: rows written after it started still arrive', async () => {
    const merchant = `${MERCHANT}_big`;
    const rows = 20_000;
    await db.raw(
      `insert into payment_facts (payment_id, merchant_id, order_id, status, gross_minor, fee_minor,
         net_minor, currency, method, provider, last_event_id, last_sequence, occurred_at,
         updated_at, created_at, seen_sequences, status_sequence, amounts_sequence, fee_sequence)
       select 'pay_big_' || lpad(i::text, 6, '0'), ?, 'o-' || i, 'succeeded', 100000 + i, 2500,
              97500 + i, 'USD', 'card', 'sandbox', 'evt_' || i, 1,
              timestamptz '2026-05-01T00:00:00Z' + i * interval '1 second', now(),
              timestamptz '2026-05-01T00:00:00Z' + i * interval '1 second', '{1}', 1, 1, 1
         from generate_series(1, ?) as i`,
      [merchant, rows],
    );
    const raw = new ReportingServiceClient(address, credentials.createInsecure());
    const call = raw.exportPaymentsCsv({
      filter: {
        merchantId: merchant,
        status: '',
        method: '',
        currency: '',
        createdFrom: undefined,
        createdTo: undefined,
      },
    });
    const chunks = call[Symbol.asyncIterator]() as AsyncIterator<{ data: string }>;
    const header = await chunks.next();
    const first = await chunks.next();
    expect(header.value.data.split('\r\n')[0]).toContain('gross_minor,gross,fee_minor,fee');
    expect(first.value.data.split('\r\n')[0]).toBe(
      `pay_big_000001,${merchant},o-1,succeeded,2026-05-01T00:00:01.000Z,2026-05-01,USD,100001,1000.01,2500,25.00,97501,975.01,card,sandbox,,,` +
        first.value.data.split('\r\n')[0]?.split(',').slice(17).join(','),
    );
    // Written after the export began, created last: only an export that reads as it goes sees it.
    await db('payment_facts').insert({
      payment_id: 'pay_big_late',
      merchant_id: merchant,
      status: 'succeeded',
      gross_minor: 1,
      fee_minor: 0,
      net_minor: 1,
      currency: 'USD',
      last_event_id: 'evt_late',
      last_sequence: 1,
      occurred_at: new Date('2026-06-01T00:00:00Z'),
      created_at: new Date('2026-06-01T00:00:00Z'),
    });
    let records = first.value.data.split('\r\n').filter(Boolean).length;
    let chunkCount = 2;
    let last = '';
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      chunkCount += 1;
      const lines = next.value.data.split('\r\n').filter(Boolean);
      records += lines.length;
      last = lines[lines.length - 1] ?? last;
    }
    raw.close();
    expect(records).toBe(rows + 1);
    expect(chunkCount).toBeGreaterThan(10);
    expect(last.startsWith('pay_big_late,')).toBe(true);
  });

  it('says the continuous consistency check could not reach the ledger, never that all is well', async () => {
    const latest = await waitFor(
      async () => {
        const r = await client.getConsistency({});
        return r.checked && r;
      },
      { timeoutMs: 20_000, what: 'a consistency run' },
    );
    expect(latest.report).toMatchObject({ consistent: false });
    expect(latest.report?.error).not.toBe('');
    const now = await client.checkConsistency({
      merchantId: MERCHANT,
      fromDay: '2026-04-01',
      toDay: '2026-04-30',
    });
    expect(now.report).toMatchObject({ consistent: false, fromDay: '2026-04-01' });
    await expect(
      client.checkConsistency({ merchantId: '', fromDay: 'yesterday', toDay: '2026-04-30' }),
    ).rejects.toMatchObject({ code: 'REPORTING_INVALID_REQUEST' });
  });
});
