import { randomUUID } from 'node:crypto';

import { type DemoMerchant, type Stack, startDemoMerchant, startStack } from '@tolem/stack';
import { integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, open, parseForms, submit } from './html-forms';
import { type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from './otlp-receiver';

interface PaymentJson {
  id: string;
  status: string;
  payment_url: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('one trace from the HTTP request through gRPC and Kafka to the merchant webhook', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let stack: Stack;
  let merchant: DemoMerchant;
  let apiKey: string;

  beforeAll(async () => {
    const env = integrationEnv();
    receiver = await startOtlpReceiver();
    merchant = await startDemoMerchant();
    const suffix = randomSuffix();
    stack = await startStack({
      databaseUrl: env.databaseUrl,
      kafkaBrokers: env.kafkaBrokers,
      databasePrefix: `e2e_${suffix}`,
      paymentsTopic: `payments.events.v1.e2e-${suffix}`,
      logLevel: 'warn',
      // Every service exports to the receiver in this process; batches go out every 100 ms.
      extraEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        name: 'Traced shop',
        enabled_methods: ['webmoney_purse'],
        webmoney_shop_id: '4243',
        result_url: merchant.resultUrl,
        success_url: `${merchant.url}/success`,
        fail_url: `${merchant.url}/fail`,
      }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { api_key: string; webhook_signing_secret: string };
    apiKey = body.api_key;
    merchant.configure({ signingSecret: body.webhook_signing_secret });
  });

  afterAll(async () => {
    await stack?.stop();
    await merchant?.close();
    await receiver?.close();
  });

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

  /** The span's ancestors up to its trace's root, every parent present (none lost on a hop). */
  function chainOf(span: ReceivedSpan): ReceivedSpan[] {
    const chain = [span];
    let at = span;
    while (at.parentSpanId) {
      const parent = receiver.spans.find(
        (s) => s.traceId === at.traceId && s.spanId === at.parentSpanId,
      );
      if (!parent) throw new Error(`span ${at.name} (${at.service}) has no exported parent`);
      chain.push(parent);
      at = parent;
    }
    return chain;
  }

  it('create call, payment through the sandbox and the webhook: one trace, parent by parent', async () => {
    // The merchant's own trace: the create call continues it.
    const callerTrace = randomUUID().replaceAll('-', '');
    const callerSpan = 'a1b2c3d4e5f60718';
    const created = await fetch(`${stack.gatewayUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        traceparent: `00-${callerTrace}-${callerSpan}-01`,
      },
      body: JSON.stringify({ amount: 1999, currency: 'USD', order_id: 'order-traced-1' }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as PaymentJson;

    // The payer: hosted page, WebMoney purse, paid at the sandbox.
    const hosted = await open(payment.payment_url);
    const methodForm = parseForms(await hosted.text(), payment.payment_url).find((f) =>
      f.fields.some(([k, v]) => k === 'method' && v === 'webmoney_purse'),
    );
    if (!methodForm) throw new Error('no webmoney_purse form');
    const started = await submit(methodForm);
    const providerForm = formById(await started.text(), payment.payment_url, 'provider-form');
    const wmPage = await submit(providerForm);
    const paid = await submit(formById(await wmPage.text(), providerForm.action, 'pay-purse'));
    expect([200, 302, 303]).toContain(paid.status);

    const notification = await waitFor(
      () =>
        merchant.notifications.find(
          (n) => (n.json as { data?: { payment_id?: string } })?.data?.payment_id === payment.id,
        ),
      { timeoutMs: 60_000, what: 'the merchant notification' },
    );
    expect(notification.signatureValid).toBe(true);
    // The webhook request names the trace and the delivery's span.
    const [, traceId, deliverySpanId] = TRACEPARENT.exec(notification.headers['traceparent'] ?? '') ?? [];
    expect(traceId).toBeDefined();
    if (!traceId || !deliverySpanId) return;

    const delivery = await waitFor(
      () => receiver.spans.find((s) => s.traceId === traceId && s.spanId === deliverySpanId),
      { timeoutMs: 15_000, what: 'the webhook delivery span' },
    );
    expect(delivery).toMatchObject({ service: 'notifier', name: 'webhook delivery', kind: SPAN_KIND.client });
    expect(delivery.attributes['http.response.status_code']).toBe(200);

    // Spans arrive in batches: wait until the chain from the delivery to its root is whole.
    const chain = await waitFor(
      () => {
        try {
          return chainOf(delivery);
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 15_000, what: 'every ancestor of the delivery span' },
    );
    console.log(chain.map((s) => `${s.service} ${s.kind} ${s.name}`).join('\n'));
    console.log(spansOf(traceId).map((s) => `${s.service} ${s.kind} ${s.name} ${s.spanId} <- ${s.parentSpanId}`).join('\n'));
    console.log(spansOf(callerTrace).map((s) => `${s.service} ${s.kind} ${s.name} ${s.spanId} <- ${s.parentSpanId}`).join('\n'));
  });
});
