import { request as httpRequest } from 'node:http';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentFact, RefundFact } from '@tolem/contracts/reporting';
import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

import {
  authenticateByKeys,
  capturingLogger,
  gatewayDeps,
} from '../../../test/fakes/gateway-deps.fake';
import { buildGateway } from '../server';
import type { ReportsClient } from './reports.route';

const fact = PaymentFact.fromPartial({
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  orderId: 'o-1',
  status: 'partially_refunded',
  gross: { amountMinor: 10_000n, currency: 'USD' },
  fee: { amountMinor: 300n, currency: 'USD' },
  net: { amountMinor: 9_700n, currency: 'USD' },
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  provider: Provider.PROVIDER_WEBMONEY,
  createdAt: new Date('2026-04-01T09:59:00Z'),
  occurredAt: new Date('2026-04-01T10:00:00Z'),
  updatedAt: new Date('2026-04-02T10:00:00Z'),
  history: [
    {
      status: 'succeeded',
      eventType: 'payment.succeeded',
      sequence: 2n,
      occurredAt: new Date('2026-04-01T10:00:00Z'),
    },
    {
      status: 'partially_refunded',
      eventType: 'refund.succeeded',
      sequence: 4n,
      occurredAt: new Date('2026-04-02T10:00:00Z'),
    },
  ],
});

/** The same merchant's live payment: a test key must never see it, nor its figures. */
const liveFact = PaymentFact.fromPartial({
  ...fact,
  paymentId: 'pay_live',
  status: 'succeeded',
  gross: { amountMinor: 50_000n, currency: 'USD' },
  livemode: true,
});

/** Reporting's answer for the mode asked: unset (operators) is both, so a route must ask. */
const ofMode = <T extends { livemode: boolean }>(rows: T[], livemode: boolean | undefined) =>
  rows.filter((r) => livemode === undefined || r.livemode === livemode);

/** A gate the fake export waits at, so a test can see what arrived before the export ended. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

function setup(exportGate = gate()) {
  const calls: { method: string; request: unknown }[] = [];
  const reports: ReportsClient = {
    unary: {
      listPayments: async (req) => {
        calls.push({ method: 'listPayments', request: req });
        return {
          payments: ofMode([fact, liveFact], req.filter?.livemode),
          nextPageToken: 'next_1',
        };
      },
      listRefunds: async (req) => {
        calls.push({ method: 'listRefunds', request: req });
        return {
          refunds: ofMode(
            [
              RefundFact.fromPartial({
                refundId: 're_1',
                paymentId: 'pay_1',
                amount: { amountMinor: 3_000n, currency: 'USD' },
                status: 'succeeded',
                day: '2026-04-02',
              }),
              RefundFact.fromPartial({
                refundId: 're_live',
                paymentId: 'pay_live',
                amount: { amountMinor: 9_000n, currency: 'USD' },
                status: 'succeeded',
                day: '2026-04-02',
                livemode: true,
              }),
            ],
            req.livemode,
          ),
          nextPageToken: '',
        };
      },
      getDailyTotals: async (req) => {
        calls.push({ method: 'getDailyTotals', request: req });
        if (req.fromDay > req.toDay)
          throw new DomainError(
            'REPORTING_INVALID_REQUEST',
            'invalid',
            'from_day must not be after to_day',
            {
              details: { field: 'from_day' },
            },
          );
        const row = { day: '2026-04-01', currency: 'USD', method: 'card', status: 'succeeded' };
        return {
          payments: ofMode(
            [
              {
                ...row,
                livemode: false,
                paymentsCount: 2n,
                grossMinor: 9_007_199_254_740_993n,
                feeMinor: 1n,
                netMinor: 9_007_199_254_740_992n,
              },
              {
                ...row,
                livemode: true,
                paymentsCount: 1n,
                grossMinor: 50_000n,
                feeMinor: 0n,
                netMinor: 50_000n,
              },
            ],
            req.livemode,
          ),
          refunds: ofMode(
            [
              { ...row, day: '2026-04-02', livemode: false, refundsCount: 1n, amountMinor: 3_000n },
              { ...row, day: '2026-04-02', livemode: true, refundsCount: 1n, amountMinor: 9_000n },
            ],
            req.livemode,
          ),
        };
      },
    },
    exportPaymentsCsv(req) {
      calls.push({ method: 'exportPaymentsCsv', request: req });
      return (async function* () {
        if (req.filter?.status === 'bogus')
          throw new DomainError('REPORTING_INVALID_REQUEST', 'invalid', 'bad filter', {
            details: { field: 'status' },
          });
        yield { data: 'payment_id,gross_minor,gross\r\n' };
        yield { data: 'pay_1,10000,100.00\r\n' };
        // The rest of the month is only produced once the client has the first records.
        await exportGate.opened;
        for (let i = 2; i <= 1_000; i += 1) yield { data: `pay_${i},1,0.01\r\n` };
      })();
    },
  };
  const { log, lines } = capturingLogger();
  const deps = gatewayDeps({
    merchants: {
      authenticateApiKey: authenticateByKeys({ sk_test_good: 'mer_1', sk_live_good: 'mer_1' }),
    },
    reports,
    log,
  });
  return { app: buildGateway(deps), calls, lines };
}

const auth = { authorization: 'Bearer sk_test_good' };

describe('/v1/reports', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('needs a merchant API key', async () => {
    ({ app } = setup());
    const res = await app.inject({ method: 'GET', url: '/v1/reports/payments' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it("lists the merchant's payments with history, by filter and cursor", async () => {
    const s = setup();
    app = s.app;
    const res = await app.inject({
      method: 'GET',
      url: '/v1/reports/payments?status=succeeded&method=card&currency=USD&created_from=2026-04-01T00:00:00Z&limit=10&cursor=abc',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: 'list',
      data: [
        {
          id: 'pay_1',
          object: 'payment_report',
          merchant_order_id: 'o-1',
          status: 'partially_refunded',
          amount: 10_000,
          fee: 300,
          net: 9_700,
          currency: 'USD',
          method: 'webmoney_purse',
          provider: 'webmoney',
          provider_payment_id: null,
          failure_code: null,
          created_at: '2026-04-01T09:59:00.000Z',
          day: '2026-04-01',
          updated_at: '2026-04-02T10:00:00.000Z',
          history: [
            {
              status: 'succeeded',
              event_type: 'payment.succeeded',
              sequence: 2,
              at: '2026-04-01T10:00:00.000Z',
            },
            {
              status: 'partially_refunded',
              event_type: 'refund.succeeded',
              sequence: 4,
              at: '2026-04-02T10:00:00.000Z',
            },
          ],
          livemode: false,
        },
      ],
      has_more: true,
      next_cursor: 'next_1',
      url: '/v1/reports/payments',
    });
    expect(s.calls[0]).toEqual({
      method: 'listPayments',
      request: {
        filter: {
          merchantId: 'mer_1',
          status: 'succeeded',
          method: 'card',
          currency: 'USD',
          createdFrom: new Date('2026-04-01T00:00:00Z'),
          createdTo: undefined,
          livemode: false,
        },
        pageSize: 10,
        pageToken: 'abc',
      },
    });
  });

  it('refuses a bad filter before reaching reporting', async () => {
    const s = setup();
    app = s.app;
    for (const url of [
      '/v1/reports/payments?created_from=yesterday-ish',
      '/v1/reports/payments?currency=usd',
      '/v1/reports/payments?limit=0',
      '/v1/reports/payments?merchant=mer_2',
      '/v1/reports/daily_totals?from=2026-04-01',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: auth });
      expect(res.statusCode, url).toBe(400);
    }
    expect(s.calls).toEqual([]);
  });

  it("answers daily totals with exact amounts, and passes reporting's refusals on", async () => {
    ({ app } = setup());
    const res = await app.inject({
      method: 'GET',
      url: '/v1/reports/daily_totals?from=2026-04-01&to=2026-04-30&currency=USD',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: 'daily_totals',
      payments: [
        {
          day: '2026-04-01',
          currency: 'USD',
          method: 'card',
          status: 'succeeded',
          livemode: false,
          count: 2,
          amount: '9007199254740993',
          fee: 1,
          net: '9007199254740992',
        },
      ],
      refunds: [
        {
          day: '2026-04-02',
          currency: 'USD',
          method: 'card',
          status: 'succeeded',
          livemode: false,
          count: 1,
          amount: 3_000,
        },
      ],
    });
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/reports/daily_totals?from=2026-04-30&to=2026-04-01',
      headers: auth,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { code: 'REPORTING_INVALID_REQUEST', details: { field: 'from_day' } },
    });
  });

  it('lists refunds as their own objects', async () => {
    ({ app } = setup());
    const res = await app.inject({
      method: 'GET',
      url: '/v1/reports/refunds?payment=pay_1',
      headers: auth,
    });
    expect(res.json()).toMatchObject({
      data: [
        {
          id: 're_1',
          object: 'refund_report',
          payment: 'pay_1',
          amount: 3_000,
          status: 'succeeded',
          day: '2026-04-02',
          livemode: false,
        },
      ],
      has_more: false,
      next_cursor: null,
    });
  });

  it('shows a test key only test figures, and a live key only live ones', async () => {
    const open = gate();
    open.open();
    const s = setup(open);
    app = s.app;
    const read = async (url: string, key: string) => {
      const res = await app?.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res?.statusCode, url).toBe(200);
      return res?.json() as {
        data?: { id: string; livemode: boolean }[];
        payments?: { livemode: boolean; amount: number }[];
        refunds?: { livemode: boolean; amount: number }[];
      };
    };
    const modes = (rows: { livemode: boolean }[] | undefined) => rows?.map((r) => r.livemode);
    for (const [key, livemode, payment, refund] of [
      ['sk_test_good', false, 'pay_1', 're_1'],
      ['sk_live_good', true, 'pay_live', 're_live'],
    ] as const) {
      const payments = await read('/v1/reports/payments', key);
      expect(payments.data?.map((p) => [p.id, p.livemode])).toEqual([[payment, livemode]]);
      const refunds = await read('/v1/reports/refunds', key);
      expect(refunds.data?.map((r) => [r.id, r.livemode])).toEqual([[refund, livemode]]);
      const totals = await read('/v1/reports/daily_totals?from=2026-04-01&to=2026-04-30', key);
      expect(modes(totals.payments)).toEqual([livemode]);
      expect(modes(totals.refunds)).toEqual([livemode]);
    }
    const csv = await app.inject({
      method: 'GET',
      url: '/v1/reports/payments.csv',
      headers: { authorization: 'Bearer sk_live_good' },
    });
    expect(csv.statusCode).toBe(200);
    expect(s.calls.filter((c) => c.method === 'exportPaymentsCsv')).toEqual([
      expect.objectContaining({
        request: { filter: expect.objectContaining({ merchantId: 'mer_1', livemode: true }) },
      }),
    ]);
    // Every read asked reporting for the key's mode, never for both.
    for (const call of s.calls) {
      const request = call.request as { livemode?: boolean; filter?: { livemode?: boolean } };
      expect(request.filter?.livemode ?? request.livemode, call.method).toBeTypeOf('boolean');
    }
  });

  it('streams the CSV export: the first records arrive before the export has finished', async () => {
    const exportGate = gate();
    ({ app } = setup(exportGate));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { headers, firstBytes, rest } = await new Promise<{
      headers: Record<string, unknown>;
      firstBytes: string;
      rest: Promise<string>;
    }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/v1/reports/payments.csv?currency=USD', headers: auth },
        (res) => {
          let text = '';
          let first = true;
          const rest = new Promise<string>((done) => res.on('end', () => done(text)));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            // Seen while the export still waits at its gate: nothing was buffered to the end.
            if (first && text.includes('pay_1,')) {
              first = false;
              resolve({ headers: res.headers, firstBytes: text, rest });
              exportGate.open();
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(headers['content-disposition']).toBe('attachment; filename="payments.csv"');
    expect(firstBytes.startsWith('payment_id,gross_minor,gross\r\npay_1,10000,100.00\r\n')).toBe(
      true,
    );
    const all = await rest;
    expect(all.split('\r\n').filter(Boolean)).toHaveLength(1_001);
  });

  it('documents every report route in the OpenAPI document, the export as text/csv', async () => {
    ({ app } = setup());
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json() as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    for (const path of [
      '/v1/reports/payments',
      '/v1/reports/refunds',
      '/v1/reports/daily_totals',
      '/v1/reports/payments.csv',
    ]) {
      expect(doc.paths[path]?.['get']?.responses['401'], path).toBeDefined();
    }
    expect(
      Object.keys(doc.paths['/v1/reports/payments.csv']?.['get']?.responses['200']?.content ?? {}),
    ).toEqual(['text/csv']);
  });

  it('answers a refused export as a JSON error, not a broken CSV', async () => {
    ({ app } = setup());
    const res = await app.inject({
      method: 'GET',
      url: '/v1/reports/payments.csv?status=bogus',
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'REPORTING_INVALID_REQUEST' } });
  });
});
