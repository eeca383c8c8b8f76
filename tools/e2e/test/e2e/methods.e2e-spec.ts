import { randomUUID } from 'node:crypto';

import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { BindingState, RecurringServiceClient } from '@tolem/contracts/recurring';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  type DemoMerchant,
  type ReceivedNotification,
  type Stack,
  startDemoMerchant,
  startStack,
} from '@tolem/stack';
import { integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, open, type ParsedForm, parseForms, payerUrl, submit } from './html-forms';

interface PaymentJson {
  id: string;
  status: string;
  amount: number;
  currency: string;
  method: string | null;
  provider: string | null;
  fee: number | null;
  payment_url: string;
}

/** What every notification of a settled payment must say, whatever the method. */
interface Expected {
  amount: number;
  currency: string;
  method: string;
  provider: string;
  /** Fee from the merchant's rule for the method: round_half_up(amount * bps / 10000). */
  fee: number;
}

const PAN = '4111111111111111';
const DECLINED_PAN = '4000000000000051';

const FEE_BPS = { card: 290, wavepay: 200, qr: 100 } as const;
/**
 * Fixed parts are per currency: card's is written for RUB only, so USD card payments pay none of
 * it (not 30 US cents); QR's KGS part applies to the KGS QR payment.
 */
const FIXED: Record<keyof typeof FEE_BPS, { amount: number; currency: string }[]> = {
  card: [{ amount: 30, currency: 'RUB' }],
  wavepay: [],
  qr: [{ amount: 500, currency: 'KGS' }],
};

/** round_half_up(amount * bps / 10000), integers only. */
function feeOf(amount: number, bps: number): number {
  return Math.floor((amount * bps + 5_000) / 10_000);
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function definition(html: string, term: string): string {
  const m = new RegExp(`<dt>${term}</dt><dd>([^<]*)</dd>`).exec(html);
  if (!m) throw new Error(`no "${term}" on the page:\n${html.slice(0, 3_000)}`);
  return decode(m[1] as string);
}

describe('every payment method end to end through real processes, PostgreSQL and Kafka', () => {
  let stack: Stack;
  let merchant: DemoMerchant;
  let apiKey: string;
  let merchantId: string;
  let ledger: PromiseClient<LedgerServiceClient>;
  let recurring: PromiseClient<RecurringServiceClient>;

  beforeAll(async () => {
    const env = integrationEnv();
    merchant = await startDemoMerchant();
    const suffix = randomSuffix();
    stack = await startStack({
      databaseUrl: env.databaseUrl,
      kafkaBrokers: env.kafkaBrokers,
      databasePrefix: `e2e_${suffix}`,
      paymentsTopic: `payments.events.v1.e2e-${suffix}`,
      logLevel: 'info',
      // The `…01` Wavepay amount settles by postback after this delay.
      sandbox: { paykassmaPendingDelayMs: 1_500, callbackBackoffMs: 200 },
    });
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        name: 'E2E shop, every method',
        enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile', 'card', 'wavepay', 'qr'],
        fee_rules: (Object.keys(FEE_BPS) as (keyof typeof FEE_BPS)[]).map((method) => ({
          method,
          percent_bps: FEE_BPS[method],
          fixed: FIXED[method],
        })),
        webmoney_shop_id: '4243',
        result_url: merchant.resultUrl,
        success_url: `${merchant.url}/success`,
        fail_url: `${merchant.url}/fail`,
      }),
    });
    const body = (await res.json()) as {
      merchant: { id: string };
      api_key: string;
      webhook_signing_secret: string;
      fee_plan_error?: unknown;
    };
    expect(res.status).toBe(201);
    expect(body.fee_plan_error).toBeUndefined();
    apiKey = body.api_key;
    merchantId = body.merchant.id;
    merchant.configure({ signingSecret: body.webhook_signing_secret });
    ledger = createClient(LedgerServiceClient, stack.addresses.ledger);
    recurring = createClient(RecurringServiceClient, stack.addresses.recurring);
  });

  afterAll(async () => {
    ledger?.close();
    recurring?.close();
    await stack?.stop();
    await merchant?.close();
  });

  async function createPayment(
    amount: number,
    currency: string,
    orderId: string,
  ): Promise<PaymentJson> {
    const res = await fetch(`${stack.gatewayUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ amount, currency, order_id: orderId, description: 'E2E order' }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as PaymentJson;
  }

  async function getPayment(id: string): Promise<PaymentJson> {
    const res = await fetch(`${stack.gatewayUrl}/v1/payments/${id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as PaymentJson;
  }

  const notificationsOf = (paymentId: string): ReceivedNotification[] =>
    merchant.notifications.filter(
      (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === paymentId,
    );

  /** The merchant's notification of a settled payment, checked field by field. */
  async function expectNotified(payment: PaymentJson, expected: Expected, orderId: string) {
    const notification = await waitFor(() => notificationsOf(payment.id)[0], {
      timeoutMs: 60_000,
      what: `the merchant notification of ${payment.id} (${expected.method})`,
    });
    expect(notification.signatureValid).toBe(true);
    const event = notification.json as { type: string; data: Record<string, unknown> };
    expect(event.type).toBe('payment.succeeded');
    expect(event.data).toMatchObject({
      payment_id: payment.id,
      merchant_id: merchantId,
      order_id: orderId,
      amount: expected.amount,
      currency: expected.currency,
      method: expected.method,
      provider: expected.provider,
      fee: expected.fee,
      net: expected.amount - expected.fee,
    });
    const settled = await getPayment(payment.id);
    expect(settled).toMatchObject({
      status: 'succeeded',
      method: expected.method,
      fee: expected.fee,
    });
    const txns = await ledger.listPaymentTransactions({ paymentId: payment.id });
    expect(txns.transactions).toHaveLength(1);
    expect((txns.transactions[0]?.postings ?? []).reduce((s, p) => s + p.amountMinor, 0n)).toBe(0n);
    return event.data;
  }

  /** After a settle, give the notifier time to misbehave, then: exactly one notification. */
  async function expectNotifiedOnce(paymentId: string) {
    await new Promise((r) => setTimeout(r, 1_500));
    expect(notificationsOf(paymentId)).toHaveLength(1);
  }

  /** The hosted page's form for one method (hidden input `method`). */
  async function methodForm(payment: PaymentJson, method: string): Promise<ParsedForm> {
    const hosted = await open(payment.payment_url);
    expect(hosted.status).toBe(200);
    const forms = parseForms(await hosted.text(), payment.payment_url);
    const form = forms.find((f) => f.fields.some(([k, v]) => k === 'method' && v === method));
    if (!form) {
      throw new Error(
        `the hosted page of ${payment.currency} ${payment.id} offers no ${method} form (offers ${forms
          .flatMap((f) => f.fields.filter(([k]) => k === 'method').map(([, v]) => v))
          .join(', ')})`,
      );
    }
    return form;
  }

  /** Hosted page -> card -> IntellectMoney form -> the sandbox's card page. */
  async function openCardPage(payment: PaymentJson, remember: boolean) {
    const form = await methodForm(payment, 'card');
    expect(form.fields.map(([k]) => k)).toContain('remember_card');
    const started = await submit({
      ...form,
      fields: form.fields.filter(([k]) => remember || k !== 'remember_card'),
    });
    const startedHtml = await started.text();
    expect(started.status, startedHtml.slice(0, 2_000)).toBe(200);
    const providerForm = formById(startedHtml, payment.payment_url, 'provider-form');
    expect(providerForm.action).toBe(`${stack.sandboxUrl}/intellectmoney/ru/`);
    const accepted = await submit(providerForm);
    expect(accepted.status, await accepted.clone().text()).toBe(303);
    const cardUrl = new URL(accepted.headers.get('location') ?? '', stack.sandboxUrl).toString();
    const cardPage = await fetch(cardUrl);
    expect(cardPage.status).toBe(200);
    const html = await cardPage.text();
    return { form: formById(html, cardUrl, 'card-form'), html };
  }

  it('card via IntellectMoney: pays, remembers the card (last4 only, never the PAN), notifies', async () => {
    const amount = 2_500;
    const payment = await createPayment(amount, 'USD', 'order-card-1');
    const { form, html } = await openCardPage(payment, true);
    expect(html).toContain('id="remember"');
    const paid = await submit(form, {
      pan: '4111 1111 1111 1111',
      expiry: '12/30',
      cvv: '123',
      remember: '1',
    });
    expect([200, 302, 303]).toContain(paid.status);

    const data = await expectNotified(
      payment,
      {
        amount,
        currency: 'USD',
        method: 'card',
        provider: 'intellectmoney',
        fee: feeOf(amount, FEE_BPS.card),
      },
      'order-card-1',
    );
    expect(JSON.stringify(data)).not.toContain(PAN);

    const binding = await waitFor(
      async () =>
        (
          await recurring.listCardBindings({
            merchantId,
            limit: 100,
            startingAfter: '',
            endingBefore: '',
            customerRef: '',
            state: BindingState.BINDING_STATE_UNSPECIFIED,
          })
        ).bindings.find((b) => b.paymentId === payment.id),
      { timeoutMs: 30_000, what: 'the card binding in the recurring service' },
    );
    expect(binding.state).toBe(BindingState.BINDING_STATE_ACTIVATED);
    expect(binding.providerBindingRef).not.toBe('');
    expect(
      JSON.stringify(binding, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    ).not.toContain(PAN);

    // No Tolem service ever saw (or logged) the full card number: only the sandbox's card page did.
    for (const [name, proc] of stack.processes) {
      if (name === 'provider-sandbox') continue;
      expect(proc.output(), `${name} output`).not.toContain(PAN);
    }
    await expectNotifiedOnce(payment.id);
    // Last: the one check that needs the provider to report the card's mask.
    expect(binding.cardLast4).toBe('1111');
  });

  it('a declined card (05): no ledger posting, no merchant notification, the payment stays open', async () => {
    const payment = await createPayment(1_000, 'USD', 'order-card-declined');
    const { form } = await openCardPage(payment, false);
    const declined = await submit(form, { pan: DECLINED_PAN, expiry: '12/30', cvv: '123' });
    expect(declined.status).toBe(200);
    const page = await declined.text();
    expect(page).toContain('Payment declined');
    expect(page).toContain('<span id="response-code">05</span>');

    await new Promise((r) => setTimeout(r, 3_000));
    // IntellectMoney sends no notification for a declined attempt: the payer may try another card.
    expect(['pending', 'failed']).toContain((await getPayment(payment.id)).status);
    expect(
      (await ledger.listPaymentTransactions({ paymentId: payment.id })).transactions,
    ).toHaveLength(0);
    expect(notificationsOf(payment.id)).toHaveLength(0);
  });

  /** Hosted page -> wavepay -> our instructions page; pays in the sandbox wallet for `kyat`. */
  async function payInWavepayWallet(payment: PaymentJson, kyat: number) {
    const started = await submit(await methodForm(payment, 'wavepay'));
    const html = await started.text();
    expect(started.status, html.slice(0, 2_000)).toBe(200);
    const inputForm = formById(html, payment.payment_url, 'payer-input-form');
    expect(inputForm.action).toBe(payerUrl(payment.payment_url, '/input'));
    const wallet = definition(html, 'Wallet number');
    expect(wallet).toMatch(/^\d{9,11}$/);
    expect(definition(html, 'Amount')).toBe(`${kyat} MMK`);
    const transfer = await fetch(`${stack.sandboxUrl}/_sandbox/paykassma/wallet/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: kyat, to: wallet }),
    });
    expect(transfer.status).toBe(200);
    const { key1 } = (await transfer.json()) as { key1: string };
    expect(key1.length).toBeLessThanOrEqual(11);
    return { inputForm, key1 };
  }

  const wavepayExpected = (amount: number): Expected => ({
    amount,
    currency: 'MMK',
    method: 'wavepay',
    provider: 'paykassma',
    fee: feeOf(amount, FEE_BPS.wavepay),
  });

  it('Wavepay: a wrong transaction number is refused; the right one pays at once', async () => {
    const payment = await createPayment(500_000, 'MMK', 'order-wave-ok');
    const { inputForm, key1 } = await payInWavepayWallet(payment, 5_000);

    // A number the wallet never issued: refused, the form again, the payment still open.
    const wrong = await submit(inputForm, { key1: '9999999999' });
    const wrongHtml = await wrong.text();
    expect(wrong.status, wrongHtml.slice(0, 2_000)).toBe(422);
    expect(wrongHtml).toContain('id="notice"');
    expect(formById(wrongHtml, payment.payment_url, 'payer-input-form').action).toBe(
      inputForm.action,
    );
    expect((await getPayment(payment.id)).status).toBe('pending');

    const answered = await submit(inputForm, { key1 });
    const html = await answered.text();
    expect(answered.status, html.slice(0, 2_000)).toBe(200);
    expect(html).toContain('Payment received');
    const data = await expectNotified(payment, wavepayExpected(500_000), 'order-wave-ok');
    expect(data['provider_payment_id']).not.toBe('');
    // The activation answer and the postback both say "paid": one notification only.
    await expectNotifiedOnce(payment.id);
  });

  it('Wavepay …01: pending on our page, then the postback settles it', async () => {
    const payment = await createPayment(500_100, 'MMK', 'order-wave-pending');
    const { inputForm, key1 } = await payInWavepayWallet(payment, 5_001);
    const answered = await submit(inputForm, { key1 });
    const html = await answered.text();
    expect(answered.status, html.slice(0, 2_000)).toBe(200);
    expect(html).toContain('Waiting for confirmation');
    const statusUrl = new URL(payerUrl(payment.payment_url, '/status'));
    expect(html).toContain(
      `data-status-url="${(statusUrl.pathname + statusUrl.search).replace(/&/g, '&amp;')}"`,
    );
    expect((await getPayment(payment.id)).status).toBe('pending');

    await expectNotified(payment, wavepayExpected(500_100), 'order-wave-pending');
    const status = await fetch(statusUrl);
    expect(await status.json()).toEqual({ status: 'succeeded' });
    await expectNotifiedOnce(payment.id);
  });

  it('Wavepay …02: unmatched transfer is requires_review, nothing posted, the merchant told once', async () => {
    const payment = await createPayment(500_200, 'MMK', 'order-wave-review');
    const { inputForm, key1 } = await payInWavepayWallet(payment, 5_002);
    const answered = await submit(inputForm, { key1 });
    const html = await answered.text();
    expect(answered.status, html.slice(0, 2_000)).toBe(200);
    expect(html).toContain('Your payment is being checked');
    expect((await getPayment(payment.id)).status).toBe('requires_review');
    const hosted = await (await open(payment.payment_url)).text();
    expect(hosted).toContain('data-status="requires_review"');
    expect(hosted).not.toContain('/start');

    await new Promise((r) => setTimeout(r, 2_000));
    expect((await getPayment(payment.id)).status).toBe('requires_review');
    expect(
      (await ledger.listPaymentTransactions({ paymentId: payment.id })).transactions,
    ).toHaveLength(0);
    // The merchant hears of the review (no money yet), once; `pending` is not a notification.
    const review = await waitFor(() => notificationsOf(payment.id)[0], {
      timeoutMs: 30_000,
      what: 'the requires_review notification',
    });
    expect(review.signatureValid).toBe(true);
    expect(review.json).toMatchObject({
      type: 'payment.requires_review',
      data: { payment_id: payment.id, status: 'requires_review', amount: 500_200, net: 0 },
    });
    await expectNotifiedOnce(payment.id);
  });

  it('QR: instructions with the payment link, the sandbox bank pays it, the callback settles it', async () => {
    const amount = 150_000;
    const payment = await createPayment(amount, 'KGS', 'order-qr-1');
    const started = await submit(await methodForm(payment, 'qr'));
    const html = await started.text();
    expect(started.status, html.slice(0, 2_000)).toBe(200);
    expect(html).toContain('Waiting for your bank');
    expect(html).toMatch(/<pre id="qr-payload">[^<]+<\/pre>/);
    expect(html).toMatch(/<a id="qr-link" href="https?:\/\/[^"]+"/);
    const linkMatch = /<pre id="qr-link-text">([^<]*)<\/pre>/.exec(html);
    expect(linkMatch, html.slice(0, 3_000)).not.toBeNull();
    const link = decode(linkMatch?.[1] ?? '');
    expect(link).toContain('#');

    const paid = await fetch(`${stack.sandboxUrl}/_sandbox/qrbank/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link }),
    });
    const bank = (await paid.json()) as { amount: string; currency: string; qr_id: string };
    expect(paid.status, JSON.stringify(bank)).toBe(200);
    expect(bank).toMatchObject({ amount: String(amount), currency: 'KGS' });

    await expectNotified(
      payment,
      {
        amount,
        currency: 'KGS',
        method: 'qr',
        provider: 'qr_acquirer',
        fee: feeOf(amount, FEE_BPS.qr) + 500,
      },
      'order-qr-1',
    );
    const status = await fetch(payerUrl(payment.payment_url, '/status'));
    expect(await status.json()).toEqual({ status: 'succeeded' });
    await expectNotifiedOnce(payment.id);
  });

  it('offers methods by currency: USD WebMoney and card, MMK Wavepay, KGS QR and card', async () => {
    const usd = await createPayment(100, 'USD', 'order-methods-usd');
    const mmk = await createPayment(100_000, 'MMK', 'order-methods-mmk');
    const kgs = await createPayment(100_000, 'KGS', 'order-methods-kgs');
    const offered = async (p: PaymentJson) =>
      parseForms(await (await open(p.payment_url)).text(), p.payment_url).flatMap((f) =>
        f.fields.filter(([k]) => k === 'method').map(([, v]) => v),
      );
    expect((await offered(usd)).sort()).toEqual([
      'card',
      'webmoney_keeper_mobile',
      'webmoney_purse',
    ]);
    expect(await offered(mmk)).toEqual(['wavepay']);
    expect((await offered(kgs)).sort()).toEqual(['card', 'qr']);
  });
});
