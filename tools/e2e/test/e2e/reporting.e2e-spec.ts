import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { LedgerServiceClient, PostPaymentRequest } from '@tolem/contracts/ledger';
import { ReportingServiceClient } from '@tolem/contracts/reporting';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import type { Stack } from '@tolem/stack';
import { REPO_ROOT, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, submit } from './html-forms';
import { openShop, type PaymentJson, type Shop } from './shop';

const run = promisify(execFile);
const PAYMENTS = 30;
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Reporting end to end through real processes: 30 payments paid in the sandbox with a WebMoney
 * purse or a card, some refunded in part or in full (paid out by an operator), one refund failed
 * and one left pending, plus one live payment of the same merchant, day, currency and method
 * (the sandbox refuses live payments, so an operator posts it to the ledger, as a live provider's
 * would be). Reporting must then agree with the ledger's journal per merchant, currency, day and
 * mode, through its continuous check, its gRPC call and `npm run reporting:check`, and show a test
 * key only test figures and a live key only live ones; once a reporting row of either mode is
 * deliberately deleted, all of them must say so, naming the mode.
 */
describe('reporting matches the ledger after many payments and refunds', () => {
  let shop: Shop;
  let stack: Stack;
  let apiKey: string;
  let reporting: PromiseClient<ReportingServiceClient>;
  let reportingDb: Knex;
  const payments: PaymentJson[] = [];
  const livePaymentId = `pay_live_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  let liveKey: string;

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E shop, reporting',
      methods: ['webmoney_purse', 'card'],
      feeRules: [
        { method: 'webmoney_purse', percent_bps: 150 },
        { method: 'card', percent_bps: 290 },
      ],
      stack: { extraEnv: { CONSISTENCY_INTERVAL_MS: '1000', REFUND_SWEEP_GRACE_MS: '500' } },
    });
    ({ stack, apiKey } = shop);
    reporting = createClient(ReportingServiceClient, stack.addresses.reporting);
    reportingDb = createKnex({ url: stack.databaseUrls['reporting'] as string, poolMax: 1 });
  });

  afterAll(async () => {
    reporting?.close();
    await reportingDb?.destroy();
    await shop?.close();
  });

  const get = async (path: string, key = apiKey) =>
    fetch(`${stack.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

  /** A live key of the shop, and a live card payment of its own posted to the ledger. */
  async function livePayment(): Promise<void> {
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants/${shop.merchantId}/api_keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ mode: 'live', name: 'production' }),
    });
    expect(res.status).toBe(201);
    liveKey = ((await res.json()) as { secret: string }).secret;
    expect(liveKey).toMatch(/^sk_live_/);
    const ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
    try {
      await ledger.postPayment(
        PostPaymentRequest.fromPartial({
          idempotencyKey: `payment:${livePaymentId}:succeeded`,
          paymentId: livePaymentId,
          merchantId: shop.merchantId,
          gross: { amountMinor: 5_000n, currency: 'USD' },
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          provider: Provider.PROVIDER_INTELLECTMONEY,
          providerPaymentId: `im-${livePaymentId}`,
          orderId: 'order-rep-live',
          livemode: true,
        }),
      );
    } finally {
      ledger.close();
    }
  }

  async function pay(i: number): Promise<PaymentJson> {
    const payment = await shop.createPayment(1_000 + i * 37, 'USD', `order-rep-${i}`);
    if (i % 2 === 0) {
      const started = await submit(await shop.methodForm(payment, 'webmoney_purse'));
      const wmForm = formById(await started.text(), payment.payment_url, 'provider-form');
      const wmPage = await submit(wmForm);
      const paid = await submit(formById(await wmPage.text(), wmForm.action, 'pay-purse'));
      expect([200, 302, 303]).toContain(paid.status);
    } else {
      await shop.payCard((await shop.openCardPage(payment)).form);
    }
    await waitFor(async () => (await shop.getPayment(payment.id)).status === 'succeeded', {
      timeoutMs: 60_000,
      what: `payment ${i} to succeed`,
    });
    return payment;
  }

  async function refund(paymentId: string, amount: number): Promise<string> {
    const res = await fetch(`${stack.gatewayUrl}/v1/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ payment: paymentId, amount }),
    });
    const json = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(json)).toBe(201);
    return json.id;
  }

  async function operator(refundId: string, action: 'complete' | 'fail') {
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/refund_payouts/${refundId}/${action}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(
        action === 'complete'
          ? { reference: `WM-${refundId}`, operator: 'e2e-ops' }
          : { reason: 'purse closed', operator: 'e2e-ops' },
      ),
    });
    expect(res.status).toBe(200);
  }

  const check = (args: string[]) =>
    run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'apps/reporting/src/tools/check-consistency.ts'),
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
          DATABASE_URL: stack.databaseUrls['reporting'] as string,
          LEDGER_ADDR: stack.addresses.ledger,
          // The operator's certificate: the ledger takes mTLS callers only.
          GRPC_TLS_DIR: stack.operatorTlsDir as string,
        },
      },
    );

  it('30 payments, mixed methods, some refunded: reporting agrees with the ledger', async () => {
    // One browser (html-forms keeps one cookie jar): its first page sets the CSRF cookie that every
    // later form is signed against. Pages opened at once before it exists would each get a secret of
    // their own and all but the last form would be refused (403 CSRF_TOKEN_INVALID), as in a browser.
    payments.push(await pay(0));
    for (let i = 1; i < PAYMENTS; i += 5) {
      payments.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(5, PAYMENTS - i) }, (_, k) => pay(i + k)),
        )),
      );
    }
    const amountOf = (p: PaymentJson) => Number((p as unknown as { amount: number }).amount);
    // Two partial refunds then the rest of #0; a partial refund of every 4th; a full refund of
    // #3; a failed refund of #5; a pending one of #7.
    const p0 = payments[0] as PaymentJson;
    await operator(await refund(p0.id, 300), 'complete');
    await operator(await refund(p0.id, 200), 'complete');
    await operator(await refund(p0.id, amountOf(p0) - 500), 'complete');
    for (let i = 4; i < PAYMENTS; i += 4) {
      await operator(await refund((payments[i] as PaymentJson).id, 100 + i), 'complete');
    }
    const p3 = payments[3] as PaymentJson;
    await operator(await refund(p3.id, amountOf(p3)), 'complete');
    await operator(await refund((payments[5] as PaymentJson).id, 250), 'fail');
    await refund((payments[7] as PaymentJson).id, 150);
    await livePayment();

    // Reporting consumes asynchronously: the check passes once it has caught up, and then stays.
    const day = today();
    const report = await waitFor(
      async () => {
        const r = (await reporting.checkConsistency({ merchantId: '', fromDay: day, toDay: day }))
          .report;
        return r?.consistent && r;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'reporting to match the ledger' },
    );
    expect(report.error).toBe('');
    const continuous = await waitFor(
      async () => {
        const r = await reporting.getConsistency({});
        return r.report?.consistent && r.report;
      },
      { timeoutMs: 30_000, what: 'the continuous check to find them consistent' },
    );
    expect(continuous.toDay).toBe(day);

    // The merchant's reports over the API: every payment with its fee and history; refunds apart.
    // The test key sees the 30 test payments and none of the live one's figures.
    const listed = await get('/v1/reports/payments?limit=100');
    expect(listed.status).toBe(200);
    const list = (await listed.json()) as {
      data: {
        id: string;
        status: string;
        amount: number;
        fee: number;
        history: unknown[];
        livemode: boolean;
      }[];
    };
    expect(list.data).toHaveLength(PAYMENTS);
    expect(list.data.every((p) => p.livemode === false)).toBe(true);
    const row0 = list.data.find((p) => p.id === p0.id);
    expect(row0).toMatchObject({ status: 'refunded', amount: amountOf(p0) });
    expect(row0?.fee).toBeGreaterThan(0);
    const totals = (await (
      await get(`/v1/reports/daily_totals?from=${day}&to=${day}&currency=USD`)
    ).json()) as {
      payments: { method: string; count: number }[];
      refunds: { status: string; count: number }[];
    };
    expect(totals.payments.reduce((n, r) => n + r.count, 0)).toBe(PAYMENTS);
    expect(new Set(totals.payments.map((r) => r.method))).toEqual(
      new Set(['webmoney_purse', 'card']),
    );
    const refundsBy: Record<string, number> = {};
    for (const r of totals.refunds) refundsBy[r.status] = (refundsBy[r.status] ?? 0) + r.count;
    expect(refundsBy).toMatchObject({ succeeded: 3 + 7 + 1, failed: 1, pending: 1 });
    const csv = await get('/v1/reports/payments.csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await csv.text()).split('\r\n').filter(Boolean)).toHaveLength(PAYMENTS + 1);

    // The live key sees the live payment only, in the same day's card row of its own mode.
    const liveList = (await (await get('/v1/reports/payments?limit=100', liveKey)).json()) as {
      data: { id: string; amount: number; livemode: boolean }[];
    };
    expect(liveList.data).toEqual([
      expect.objectContaining({ id: livePaymentId, amount: 5_000, livemode: true }),
    ]);
    const liveTotals = (await (
      await get(`/v1/reports/daily_totals?from=${day}&to=${day}&currency=USD`, liveKey)
    ).json()) as { payments: { method: string; count: number; livemode: boolean }[] };
    expect(liveTotals.payments).toEqual([
      expect.objectContaining({ method: 'card', count: 1, livemode: true }),
    ]);
    const liveCsv = (await (await get('/v1/reports/payments.csv', liveKey)).text())
      .split('\r\n')
      .filter(Boolean);
    expect(liveCsv).toHaveLength(2);
    expect(liveCsv[0]?.endsWith(',livemode')).toBe(true);
    expect(liveCsv[1]?.startsWith(`${livePaymentId},`)).toBe(true);
    expect(liveCsv[1]?.endsWith(',true')).toBe(true);

    const ok = await check([`--from=${day}`, `--to=${day}`]);
    expect(ok.stdout).toContain('reporting matches the ledger');
  }, 600_000);

  it('a deleted reporting row is reported by the check, the continuous check and the command (exit 1)', async () => {
    const day = today();
    const victim = payments[9] as PaymentJson;
    expect(await reportingDb('payment_facts').where({ payment_id: victim.id }).delete()).toBe(1);

    const report = (await reporting.checkConsistency({ merchantId: '', fromDay: day, toDay: day }))
      .report;
    expect(report?.consistent).toBe(false);
    expect(report?.differences.map((d) => [d.livemode, d.metric, d.ledger - d.reporting])).toEqual([
      [false, 'payments_count', 1n],
      [false, 'gross_minor', BigInt((victim as unknown as { amount: number }).amount)],
      [false, 'fee_minor', expect.any(BigInt)],
      [false, 'net_minor', expect.any(BigInt)],
    ]);
    await waitFor(async () => (await reporting.getConsistency({})).report?.consistent === false, {
      timeoutMs: 30_000,
      what: 'the continuous check to see the difference',
    });

    const failed = await check([`--from=${day}`, `--to=${day}`]).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('4 difference(s)');
    expect(failed?.stdout).toMatch(new RegExp(`\\t${day}\\ttest\\tpayments_count\\t\\d+\\t\\d+`));

    // The live payment's row gone too: its difference is the live mode's, apart from the test one.
    expect(await reportingDb('payment_facts').where({ payment_id: livePaymentId }).delete()).toBe(
      1,
    );
    const both = (await reporting.checkConsistency({ merchantId: '', fromDay: day, toDay: day }))
      .report;
    expect(
      both?.differences
        .filter((d) => d.metric === 'payments_count' || d.metric === 'gross_minor')
        .map((d) => [d.livemode, d.metric, d.ledger - d.reporting]),
    ).toEqual([
      [false, 'payments_count', 1n],
      [false, 'gross_minor', BigInt((victim as unknown as { amount: number }).amount)],
      [true, 'payments_count', 1n],
      [true, 'gross_minor', 5_000n],
    ]);
    const bothFailed = await check([`--from=${day}`, `--to=${day}`]).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(bothFailed?.stdout).toContain('8 difference(s)');
    expect(bothFailed?.stdout).toMatch(new RegExp(`\\t${day}\\tlive\\tgross_minor\\t0\\t5000`));

    // The maintained daily totals are held to the ledger as well: a lost totals row shows up.
    // (daily_totals adds the deltas not folded yet to the folded rows.)
    await reportingDb('daily_totals_deltas').where({ method: 'card' }).delete();
    await reportingDb('daily_totals_folded').where({ method: 'card' }).delete();
    const totalsReport = (
      await reporting.checkConsistency({ merchantId: '', fromDay: day, toDay: day })
    ).report;
    expect(totalsReport?.differences.map((d) => d.metric)).toContain('daily_totals.payments_count');
  }, 120_000);
});
