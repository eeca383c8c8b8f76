import { randomUUID } from 'node:crypto';

import {
  type DemoMerchant,
  type ReceivedNotification,
  type Stack,
  type StackOptions,
  startDemoMerchant,
  startStack,
} from '@tolem/stack';
import { integrationEnv, randomSuffix } from '@tolem/testing';
import { expect } from 'vitest';

import { formById, open, type ParsedForm, parseForms, submit } from './html-forms';

export interface PaymentJson {
  id: string;
  status: string;
  amount: number;
  currency: string;
  method: string | null;
  payment_url: string;
}

export interface FeeRuleJson {
  method: string;
  percent_bps: number;
  fixed?: { amount: number; currency: string }[];
}

/**
 * A whole Tolem (every app as a real process, the sandbox, fresh databases and topic) with one
 * merchant created through the admin API and a demo shop receiving its notifications: what an
 * end-to-end spec starts from.
 */
export interface Shop {
  stack: Stack;
  merchant: DemoMerchant;
  apiKey: string;
  merchantId: string;
  /** The payments topic this stack publishes to. */
  topic: string;
  createPayment(amount: number, currency: string, orderId?: string): Promise<PaymentJson>;
  getPayment(id: string): Promise<PaymentJson>;
  /** The merchant's notifications of one payment, in arrival order. */
  notificationsOf(paymentId: string): ReceivedNotification[];
  /** The hosted page's form for one method (hidden input `method`). */
  methodForm(payment: PaymentJson, method: string): Promise<ParsedForm>;
  /**
   * Hosted page -> card -> the sandbox's IntellectMoney card page, its invoice not paid yet:
   * the card form and IntellectMoney's invoice id (the page lives at .../invoices/<id>).
   */
  openCardPage(payment: PaymentJson): Promise<{ form: ParsedForm; invoice: string }>;
  /** Pays an open card page with the sandbox's approved test card. */
  payCard(form: ParsedForm): Promise<void>;
  /** What Tolem answered the sandbox's IntellectMoney notifications of one invoice. */
  intellectMoneyAnswers(invoice: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function openShop(options: {
  name: string;
  methods: string[];
  feeRules: FeeRuleJson[];
  webmoneyShopId?: string;
  stack?: Partial<StackOptions>;
}): Promise<Shop> {
  const env = integrationEnv();
  const merchant = await startDemoMerchant();
  const suffix = randomSuffix();
  const topic = `payments.events.v1.e2e-${suffix}`;
  const stack = await startStack({
    databaseUrl: env.databaseUrl,
    kafkaBrokers: env.kafkaBrokers,
    databasePrefix: `e2e_${suffix}`,
    paymentsTopic: topic,
    logLevel: 'info',
    ...options.stack,
  });
  const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.secrets.adminToken}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({
      name: options.name,
      enabled_methods: options.methods,
      fee_rules: options.feeRules,
      webmoney_shop_id: options.webmoneyShopId ?? '4250',
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
  merchant.configure({ signingSecret: body.webhook_signing_secret });
  const apiKey = body.api_key;

  async function methodForm(payment: PaymentJson, method: string): Promise<ParsedForm> {
    const hosted = await open(payment.payment_url);
    expect(hosted.status).toBe(200);
    const forms = parseForms(await hosted.text(), payment.payment_url);
    const form = forms.find((f) => f.fields.some(([k, v]) => k === 'method' && v === method));
    if (!form) {
      const offered = forms.flatMap((f) =>
        f.fields.filter(([k]) => k === 'method').map(([, v]) => v),
      );
      throw new Error(
        `the hosted page of ${payment.id} offers no ${method} form (offers ${offered.join(', ')})`,
      );
    }
    return form;
  }

  return {
    stack,
    merchant,
    apiKey,
    merchantId: body.merchant.id,
    topic,
    async createPayment(amount, currency, orderId = randomUUID()) {
      const created = await fetch(`${stack.gatewayUrl}/v1/payments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ amount, currency, order_id: orderId, description: 'E2E order' }),
      });
      expect(created.status).toBe(201);
      return (await created.json()) as PaymentJson;
    },
    async getPayment(id) {
      const got = await fetch(`${stack.gatewayUrl}/v1/payments/${id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(got.status).toBe(200);
      return (await got.json()) as PaymentJson;
    },
    notificationsOf(paymentId) {
      return merchant.notifications.filter(
        (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === paymentId,
      );
    },
    methodForm,
    async openCardPage(payment) {
      const started = await submit(await methodForm(payment, 'card'));
      const html = await started.text();
      expect(started.status, html.slice(0, 2_000)).toBe(200);
      const accepted = await submit(formById(html, payment.payment_url, 'provider-form'));
      expect(accepted.status).toBe(303);
      const cardUrl = new URL(accepted.headers.get('location') ?? '', stack.sandboxUrl).toString();
      const cardPage = await fetch(cardUrl);
      expect(cardPage.status).toBe(200);
      const invoice = new URL(cardUrl).pathname.split('/').filter(Boolean).at(-1) ?? '';
      return { form: formById(await cardPage.text(), cardUrl, 'card-form'), invoice };
    },
    async payCard(form) {
      const paid = await submit(form, { pan: '4111 1111 1111 1111', expiry: '12/30', cvv: '123' });
      expect([200, 302, 303]).toContain(paid.status);
    },
    async intellectMoneyAnswers(invoice) {
      const res = await fetch(`${stack.sandboxUrl}/_sandbox/intellectmoney/invoices/${invoice}`);
      const body = (await res.json()) as {
        notifications?: { attempts?: { status?: number; body?: string }[] }[];
      };
      return (body.notifications ?? []).flatMap((n) =>
        (n.attempts ?? []).map((a) => `${a.status} ${(a.body ?? '').trim()}`),
      );
    },
    async close() {
      await stack.stop();
      await merchant.close();
    },
  };
}
