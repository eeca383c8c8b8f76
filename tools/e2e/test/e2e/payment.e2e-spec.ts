import { randomUUID } from 'node:crypto';

import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { ReportingServiceClient } from '@tolem/contracts/reporting';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import { sumSamples } from '@tolem/metrics';
import { type DemoMerchant, type Stack, startDemoMerchant, startStack } from '@tolem/stack';
import { integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, open, parseForms, submit } from './html-forms';

interface PaymentJson {
  id: string;
  status: string;
  amount: number;
  currency: string;
  payment_url: string;
}

describe('one payment end to end through real processes, PostgreSQL and Kafka', () => {
  let stack: Stack;
  let merchant: DemoMerchant;
  let apiKey: string;
  let merchantId: string;
  let ledger: PromiseClient<LedgerServiceClient>;
  let reporting: PromiseClient<ReportingServiceClient>;

  beforeAll(async () => {
    const env = integrationEnv();
    merchant = await startDemoMerchant();
    const suffix = randomSuffix();
    stack = await startStack({
      databaseUrl: env.databaseUrl,
      kafkaBrokers: env.kafkaBrokers,
      databasePrefix: `e2e_${suffix}`,
      paymentsTopic: `payments.events.v1.e2e-${suffix}`,
      logLevel: 'warn',
    });
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        name: 'E2E shop',
        enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
        // A fixed part written for RUB: a USD payment pays none of it.
        fee_rules: [
          { method: 'webmoney_purse', percent_bps: 250, fixed: [{ amount: 30, currency: 'RUB' }] },
        ],
        webmoney_shop_id: '4242',
        result_url: merchant.resultUrl,
        success_url: `${merchant.url}/success`,
        fail_url: `${merchant.url}/fail`,
      }),
    });
    const body = (await res.json()) as {
      merchant: { id: string };
      api_key: string;
      webhook_signing_secret: string;
    };
    expect(res.status).toBe(201);
    apiKey = body.api_key;
    merchantId = body.merchant.id;
    merchant.configure({ signingSecret: body.webhook_signing_secret });
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
    reporting = createClient(ReportingServiceClient, stack.addresses.reporting);
  });

  afterAll(async () => {
    ledger?.close();
    reporting?.close();
    await stack?.stop();
    await merchant?.close();
  });

  async function createPayment(amount: number, orderId: string): Promise<PaymentJson> {
    const res = await fetch(`${stack.gatewayUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        amount,
        currency: 'USD',
        order_id: orderId,
        description: 'Кружка Tolem / mug',
      }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as PaymentJson;
  }

  /** Hosted page -> method -> auto-submitted provider form -> the sandbox's WebMoney page. */
  async function openWebMoneyPage(
    payment: PaymentJson,
    method: string,
    extra: Record<string, string> = {},
  ) {
    const hosted = await open(payment.payment_url);
    expect(hosted.status).toBe(200);
    const hostedHtml = await hosted.text();
    const methodForm = parseForms(hostedHtml, payment.payment_url).find((f) =>
      f.fields.some(([k, v]) => k === 'method' && v === method),
    );
    if (!methodForm) throw new Error(`the hosted page offers no ${method} form`);
    const started = await submit(methodForm, extra);
    expect(started.status).toBe(200);
    const providerForm = formById(await started.text(), payment.payment_url, 'provider-form');
    expect(providerForm.action.startsWith(stack.sandboxUrl)).toBe(true);
    const wmPage = await submit(providerForm);
    expect(wmPage.status).toBe(200);
    return { html: await wmPage.text(), url: providerForm.action };
  }

  async function getPayment(id: string): Promise<PaymentJson> {
    const res = await fetch(`${stack.gatewayUrl}/v1/payments/${id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return (await res.json()) as PaymentJson;
  }

  it('opens the hosted page only with the secret payment_url carries; anything else is the unknown 404', async () => {
    const payment = await createPayment(1000, 'order-secret-1');
    const url = new URL(payment.payment_url);
    const secret = url.searchParams.get('secret') ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await open(payment.payment_url)).status).toBe(200);
    const pageOf = async (target: string) => {
      const res = await fetch(target);
      return {
        status: res.status,
        code: /data-error-code="([A-Z_]+)"/.exec(await res.text())?.[1],
      };
    };
    const unknown = await pageOf(
      `${url.origin}/pay/pay_01jzzzzzzzzzzzzzzzzzzzzzzz?secret=${secret}`,
    );
    expect(unknown).toEqual({ status: 404, code: 'PAYMENT_NOT_FOUND' });
    for (const query of ['', '?secret=', `?secret=${secret.slice(0, -1)}`]) {
      expect(await pageOf(`${url.origin}${url.pathname}${query}`)).toEqual(unknown);
    }
    // Another payment's secret opens only that payment.
    const other = await createPayment(1001, 'order-secret-2');
    const otherSecret = new URL(other.payment_url).searchParams.get('secret') ?? '';
    expect(otherSecret).not.toBe(secret);
    expect(await pageOf(`${url.origin}${url.pathname}?secret=${otherSecret}`)).toEqual(unknown);
  });

  it('pays from a WebMoney purse: merchant notified once with the right payment, ledger balanced, report stored', async () => {
    const payment = await createPayment(1999, 'order-purse-1');
    expect(payment.status).toBe('created');
    const wm = await openWebMoneyPage(payment, 'webmoney_purse');
    const paid = await submit(formById(wm.html, wm.url, 'pay-purse'));
    expect([200, 302, 303]).toContain(paid.status);

    const notification = await waitFor(
      () =>
        merchant.notifications.find(
          (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === payment.id,
        ),
      { timeoutMs: 60_000, what: 'the merchant notification' },
    );
    const event = notification.json as { type: string; data: Record<string, unknown> };
    expect(notification.signatureValid).toBe(true);
    expect(event.type).toBe('payment.succeeded');
    expect(event.data).toMatchObject({
      payment_id: payment.id,
      merchant_id: merchantId,
      order_id: 'order-purse-1',
      amount: 1999,
      currency: 'USD',
      fee: 50,
      net: 1949,
      method: 'webmoney_purse',
    });
    expect(event.data['payer_purse']).toMatch(/^Z\d{12}$/);
    expect((await getPayment(payment.id)).status).toBe('succeeded');

    const balance = await ledger.getBalance({
      merchantId,
      currency: 'USD',
      asOf: undefined,
      livemode: false,
    });
    expect(balance.available?.amountMinor).toBe(1949n);
    const txns = await ledger.listPaymentTransactions({ paymentId: payment.id });
    expect(txns.transactions).toHaveLength(1);
    const postings = txns.transactions[0]?.postings ?? [];
    expect(postings.reduce((s, p) => s + p.amountMinor, 0n)).toBe(0n);
    const integrity = await ledger.checkIntegrity({});
    expect(integrity.violations).toEqual([]);
    expect(integrity.ok).toBe(true);

    const fact = await waitFor(
      async () =>
        (await reporting.getPaymentFact({ paymentId: payment.id }).catch(() => undefined))?.fact,
      { timeoutMs: 30_000, what: 'the reporting row' },
    );
    expect(fact.status).toBe('succeeded');
    expect(fact.gross?.amountMinor).toBe(1999n);
    expect(fact.net?.amountMinor).toBe(1949n);

    // Notified exactly once, even after the notifier had time to misbehave.
    await new Promise((r) => setTimeout(r, 1_500));
    const forPayment = merchant.notifications.filter(
      (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === payment.id,
    );
    expect(forPayment).toHaveLength(1);
  });

  it('pays with WM Keeper Mobile: the notification carries the phone and the Keeper Mobile payment number', async () => {
    const payment = await createPayment(500, 'order-km-1');
    const wm = await openWebMoneyPage(payment, 'webmoney_keeper_mobile', { phone: '996555123456' });
    const codePage = await submit(formById(wm.html, wm.url, 'keeper-mobile-start'), {
      phone: '996555123456',
    });
    expect(codePage.status).toBe(200);
    const sms = (await (
      await fetch(`${stack.sandboxUrl}/_sandbox/sms?phone=996555123456`)
    ).json()) as { code: string };
    expect(sms.code).toMatch(/^\d{4}$/);
    const confirmed = await submit(
      formById(await codePage.text(), wm.url, 'keeper-mobile-confirm'),
      { code: sms.code },
    );
    expect([200, 302, 303]).toContain(confirmed.status);

    const notification = await waitFor(
      () =>
        merchant.notifications.find(
          (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === payment.id,
        ),
      { timeoutMs: 60_000, what: 'the Keeper Mobile notification' },
    );
    const data = (notification.json as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({
      amount: 500,
      currency: 'USD',
      method: 'webmoney_keeper_mobile',
      payer_phone: '996555123456',
    });
    expect(String(data['keeper_mobile_payment_no'])).toMatch(/^\d+$/);
  });

  it('a notification with a forged LMI_HASH changes nothing', async () => {
    const before = await ledger.getBalance({
      merchantId,
      currency: 'USD',
      asOf: undefined,
      livemode: false,
    });
    const notifiedBefore = merchant.notifications.length;
    const payment = await createPayment(777, 'order-forged-1');
    const wm = await openWebMoneyPage(payment, 'webmoney_purse');
    const invoice = formById(wm.html, wm.url, 'pay-purse').fields.find(
      ([k]) => k === 'invoice',
    )?.[1];
    expect(invoice).toBeTruthy();

    const forged = await fetch(`${stack.sandboxUrl}/_sandbox/webmoney/invoices/${invoice}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'purse', tamper: 'hash' }),
    });
    const result = (await forged.json()) as {
      prerequest: { body: string };
      notification: { status: number; body: string };
    };
    expect(result.prerequest.body.trim()).toBe('YES');
    expect(result.notification.status).not.toBe(200);

    await new Promise((r) => setTimeout(r, 2_000));
    expect((await getPayment(payment.id)).status).toBe('pending');
    expect(
      (await ledger.listPaymentTransactions({ paymentId: payment.id })).transactions,
    ).toHaveLength(0);
    expect(
      (await ledger.getBalance({ merchantId, currency: 'USD', asOf: undefined, livemode: false }))
        .available,
    ).toEqual(before.available);
    expect(merchant.notifications.length).toBe(notifiedBefore);
  });

  it('every app serves /metrics on its own port, counting the payment in each service it crossed', async () => {
    const payment = await createPayment(700, 'order-metrics-1');
    const wm = await openWebMoneyPage(payment, 'webmoney_purse');
    await submit(formById(wm.html, wm.url, 'pay-purse'));
    await waitFor(
      () =>
        merchant.notifications.find(
          (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === payment.id,
        ),
      { timeoutMs: 60_000, what: 'the merchant notification' },
    );

    const scrape = async (app: keyof Stack['metricsUrls']) => {
      const res = await fetch(stack.metricsUrls[app]);
      expect(res.status, app).toBe(200);
      return res.text();
    };
    for (const app of Object.keys(stack.metricsUrls) as (keyof Stack['metricsUrls'])[]) {
      expect(await scrape(app), app).toContain(`process_cpu_user_seconds_total{service="${app}"}`);
    }
    const checkout = await scrape('checkout');
    expect(
      sumSamples(checkout, 'tolem_payments_finished_total', {
        method: 'webmoney_purse',
        outcome: 'succeeded',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sumSamples(await scrape('ledger'), 'tolem_ledger_transactions_posted_total', {
        kind: 'payment',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sumSamples(await scrape('gateway'), 'tolem_http_requests_total', {
        route: '/v1/payments',
        method: 'POST',
      }),
    ).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () =>
        sumSamples(await scrape('notifier'), 'tolem_notification_attempts_total', {
          outcome: 'delivered',
        }) >= 1 &&
        sumSamples(await scrape('notifier'), 'tolem_kafka_messages_processed_total', {
          group: stack.consumerGroups.notifier,
          outcome: 'handled',
        }) >= 1,
      { timeoutMs: 15_000, what: 'the notifier counted its delivery and its consumed events' },
    );
    expect(checkout).not.toContain(payment.id);
    expect(checkout).not.toContain(merchantId);
  });
});
