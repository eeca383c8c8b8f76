import { describe, expect, it } from 'vitest';

import { inMemoryReporting } from '../../test/fakes/in-memory-store';
import { PAYMENT_CSV_HEADER } from '../domain/csv';
import type { ReportEvent } from '../domain/payment-fact';
import type { PaymentQuery, PaymentSearch } from '../domain/ports';
import { makeApplyPaymentEvent } from './apply-payment-event';
import { makeExportPaymentsCsv } from './export-payments-csv';
import { makeGetDailyTotals } from './get-daily-totals';
import { makeListPayments } from './list-payments';

/** The in-memory facts filtered as the SQL search filters them. */
function searchOf(store: ReturnType<typeof inMemoryReporting>): PaymentSearch & { calls: number } {
  const s = {
    calls: 0,
    async search(q: PaymentQuery) {
      s.calls += 1;
      const sign = q.order === 'asc' ? 1 : -1;
      const cmp = (a: { createdAt: Date; paymentId: string }, b: typeof a) =>
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (a.paymentId < b.paymentId ? -1 : a.paymentId > b.paymentId ? 1 : 0);
      return [...store.factRows.values()]
        .filter((f) => f.merchantId === q.merchantId)
        .filter((f) => !q.status || f.status === q.status)
        .filter((f) => !q.method || f.method === q.method)
        .filter((f) => !q.currency || f.currency === q.currency)
        .filter((f) => !q.createdFrom || f.createdAt >= q.createdFrom)
        .filter((f) => !q.createdTo || f.createdAt < q.createdTo)
        .filter((f) => q.livemode === undefined || f.livemode === q.livemode)
        .filter((f) => !q.after || sign * cmp(f, q.after) > 0)
        .sort((a, b) => sign * cmp(a, b))
        .slice(0, q.limit);
    },
  };
  return s;
}

async function seeded(n: number, live: (i: number) => boolean = () => false) {
  const store = inMemoryReporting();
  const apply = makeApplyPaymentEvent({ ...store, clock: { now: () => new Date() } });
  for (let i = 0; i < n; i += 1) {
    const event: ReportEvent = {
      eventId: `evt_${i}`,
      eventType: 'payment.succeeded',
      occurredAt: new Date(Date.UTC(2026, 2, 1, 0, Math.floor(i / 2))),
      paymentId: `pay_${String(i).padStart(3, '0')}`,
      merchantId: 'mer_1',
      orderId: i === 0 ? 'Order "1", red' : `o-${i}`,
      gross: { amountMinor: 1_005n + BigInt(i), currency: i % 2 ? 'USD' : 'KGS' },
      fee: { amountMinor: 5n, currency: i % 2 ? 'USD' : 'KGS' },
      net: { amountMinor: 1_000n + BigInt(i), currency: i % 2 ? 'USD' : 'KGS' },
      method: i % 3 ? 'card' : 'qr',
      provider: 'sandbox',
      providerPaymentId: '',
      providerAttributes: {},
      sequence: 1n,
      paymentStatus: 'succeeded',
      failureCode: '',
      caseId: '',
      caseKind: '',
      caseResolution: '',
      livemode: live(i),
    };
    await apply(event);
  }
  return store;
}

describe('listPayments', () => {
  it('pages newest created first through a filter, breaking ties on payment id', async () => {
    const store = await seeded(25);
    const list = makeListPayments({ payments: searchOf(store) });
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await list({
        filter: { merchantId: 'mer_1', currency: 'KGS', method: 'card' },
        pageSize: 2,
        pageToken,
      });
      seen.push(...page.payments.map((p) => p.paymentId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    const expected = [...store.factRows.values()]
      .filter((f) => f.currency === 'KGS' && f.method === 'card')
      .map((f) => f.paymentId)
      .sort()
      .reverse();
    expect(seen).toEqual(expected);
  });

  it('refuses a missing merchant, an inverted range and a forged token', async () => {
    const list = makeListPayments({ payments: searchOf(inMemoryReporting()) });
    await expect(
      list({ filter: { merchantId: '' }, pageSize: 0, pageToken: '' }),
    ).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
    });
    await expect(
      list({
        filter: { merchantId: 'm', createdFrom: new Date(2), createdTo: new Date(1) },
        pageSize: 0,
        pageToken: '',
      }),
    ).rejects.toMatchObject({ details: { field: 'created_from' } });
    await expect(
      list({ filter: { merchantId: 'm' }, pageSize: 0, pageToken: 'bm9wZQ' }),
    ).rejects.toMatchObject({ details: { field: 'page_token' } });
    // Well-formed but forged: a time no database column holds, an id holding NUL.
    for (const forged of [
      { v: 2, c: '-271821-04-20T00:00:00.000Z', p: 'pay_1' },
      { v: 2, c: '2026-01-01T00:00:00.000Z', p: 'pay_\u0000' },
    ]) {
      const pageToken = Buffer.from(JSON.stringify(forged)).toString('base64url');
      await expect(
        list({ filter: { merchantId: 'm' }, pageSize: 0, pageToken }),
      ).rejects.toMatchObject({
        code: 'REPORTING_INVALID_REQUEST',
        details: { field: 'page_token' },
      });
    }
  });
});

describe('exportPaymentsCsv', () => {
  it('yields the header, then one chunk per page, reading a page only when the previous was taken', async () => {
    const store = await seeded(7);
    const search = searchOf(store);
    const exportCsv = makeExportPaymentsCsv({ payments: search, pageSize: 3 });
    const chunks = exportCsv({ merchantId: 'mer_1' });
    const header = await chunks.next();
    expect(header.value).toBe(
      'payment_id,merchant_id,order_id,status,created_at,day,currency,gross_minor,gross,fee_minor,fee,net_minor,net,method,provider,provider_payment_id,failure_code,updated_at,last_sequence,livemode\r\n',
    );
    expect(search.calls).toBe(0);
    const first = await chunks.next();
    expect(search.calls).toBe(1);
    expect(String(first.value).split('\r\n')[0]).toMatch(
      /^pay_000,mer_1,"Order ""1"", red",succeeded,2026-03-01T00:00:00.000Z,2026-03-01,KGS,1005,10.05,5,0.05,1000,10.00,qr,sandbox,,,/,
    );
    const rest: string[] = [];
    for await (const c of chunks) rest.push(c);
    expect(search.calls).toBe(3);
    const lines = [String(first.value), ...rest].join('').split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(7);
    expect(lines.map((l) => l.slice(0, 7))).toEqual([...store.factRows.keys()].sort());
  });
});

describe('test and live payments', () => {
  it('lists and exports only the mode asked for, both when none is asked, each row saying its mode', async () => {
    // Even payments are test ones, odd ones live; all of one merchant.
    const store = await seeded(8, (i) => i % 2 === 1);
    const list = makeListPayments({ payments: searchOf(store) });
    const ids = async (livemode?: boolean) =>
      (
        await list({ filter: { merchantId: 'mer_1', livemode }, pageSize: 0, pageToken: '' })
      ).payments.map((p) => [p.paymentId, p.livemode]);
    expect(await ids(true)).toEqual([
      ['pay_007', true],
      ['pay_005', true],
      ['pay_003', true],
      ['pay_001', true],
    ]);
    expect(await ids(false)).toEqual([
      ['pay_006', false],
      ['pay_004', false],
      ['pay_002', false],
      ['pay_000', false],
    ]);
    expect(await ids()).toHaveLength(8);

    const exportCsv = makeExportPaymentsCsv({ payments: searchOf(store), pageSize: 3 });
    const csv = async (livemode?: boolean) => {
      let text = '';
      for await (const chunk of exportCsv({ merchantId: 'mer_1', livemode })) text += chunk;
      const [header, ...records] = text.split('\r\n').filter(Boolean);
      const column = (header ?? '').split(',').indexOf('livemode');
      return { column, records: records.map((r) => [r.slice(0, 7), r.split(',').at(-1)]) };
    };
    const live = await csv(true);
    expect(live.column).toBe(PAYMENT_CSV_HEADER.length - 1);
    expect(live.records).toEqual([
      ['pay_001', 'true'],
      ['pay_003', 'true'],
      ['pay_005', 'true'],
      ['pay_007', 'true'],
    ]);
    expect((await csv(false)).records.map(([, mode]) => mode)).toEqual([
      'false',
      'false',
      'false',
      'false',
    ]);
    expect((await csv()).records).toHaveLength(8);
  });

  it('keeps the daily totals of the two modes apart and reads the mode asked for', async () => {
    const store = await seeded(8, (i) => i % 2 === 1);
    const rows = [...store.totalRows.values()];
    const get = makeGetDailyTotals({
      totals: {
        payments: async (q) =>
          rows
            .filter((r) => q.livemode === undefined || r.livemode === q.livemode)
            .map(({ merchantId: _, ...r }) => r),
        refunds: async () => [],
      },
    });
    const live = await get({
      merchantId: 'mer_1',
      fromDay: '2026-03-01',
      toDay: '2026-03-01',
      livemode: true,
    });
    // Odd payments are the USD ones (seeded): the live rows hold only them.
    expect(live.payments.map((r) => [r.livemode, r.currency])).toEqual(
      live.payments.map(() => [true, 'USD']),
    );
    expect(live.payments.reduce((n, r) => n + r.paymentsCount, 0n)).toBe(4n);
    const both = await get({ merchantId: 'mer_1', fromDay: '2026-03-01', toDay: '2026-03-01' });
    expect(both.payments.reduce((n, r) => n + r.paymentsCount, 0n)).toBe(8n);
  });
});

describe('getDailyTotals', () => {
  it('reads payments and refunds for valid days, and refuses bad or oversized ranges', async () => {
    const get = makeGetDailyTotals({
      totals: { payments: async () => [], refunds: async () => [] },
    });
    expect(await get({ merchantId: 'm', fromDay: '2026-03-01', toDay: '2026-03-31' })).toEqual({
      payments: [],
      refunds: [],
    });
    for (const [fromDay, toDay, field] of [
      ['2026-3-1', '2026-03-02', 'from_day'],
      ['2026-03-01', '2026-02-31', 'to_day'],
      ['2026-03-02', '2026-03-01', 'from_day'],
      ['2025-01-01', '2026-03-01', 'to_day'],
    ] as const) {
      await expect(get({ merchantId: 'm', fromDay, toDay })).rejects.toMatchObject({
        details: { field },
      });
    }
  });
});
