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
  let signingSecret: string;

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
    signingSecret = body.webhook_signing_secret;
    merchant.configure({ signingSecret: body.webhook_signing_secret });
  });

  afterAll(async () => {
    await stack?.stop();
    await merchant?.close();
    await receiver?.close();
  });

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

  /**
   * The span's ancestors up to its trace's root (or up to the caller's span, which only the
   * caller knows), every parent present: none lost on a hop.
   */
  function chainOf(span: ReceivedSpan, callerSpanId = ''): ReceivedSpan[] {
    const chain = [span];
    let at = span;
    while (at.parentSpanId && at.parentSpanId !== callerSpanId) {
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
    // The webhook request names the trace and the delivery's span: the trace is the merchant's
    // own, the one its create call started.
    const [, traceId, deliverySpanId] =
      TRACEPARENT.exec(notification.headers['traceparent'] ?? '') ?? [];
    expect(traceId).toBe(callerTrace);
    if (!traceId || !deliverySpanId) return;

    const delivery = await waitFor(
      () => receiver.spans.find((s) => s.traceId === traceId && s.spanId === deliverySpanId),
      { timeoutMs: 15_000, what: 'the webhook delivery span' },
    );
    expect(delivery).toMatchObject({
      service: 'notifier',
      name: 'webhook delivery',
      kind: SPAN_KIND.client,
    });
    expect(delivery.attributes['http.response.status_code']).toBe(200);

    // Spans arrive in batches: wait until the chain from the delivery to its root is whole.
    const chain = await waitFor(
      () => {
        try {
          return chainOf(delivery, callerSpan);
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 15_000, what: 'every ancestor of the delivery span' },
    );
    // One trace, hop by hop, from the merchant's create call to its webhook: the gateway's
    // create, checkout settling the payment when it succeeded, the ledger's posting, its event
    // through the outbox and Kafka, the notifier's delivery.
    expect(chain.map((s) => [s.service, s.kind, s.name])).toEqual([
      ['notifier', SPAN_KIND.client, 'webhook delivery'],
      ['notifier', SPAN_KIND.consumer, `process ${stack.paymentsTopic}`],
      ['ledger', SPAN_KIND.server, 'tolem.ledger.v1.LedgerService/PostPayment'],
      ['checkout', SPAN_KIND.client, 'tolem.ledger.v1.LedgerService/PostPayment'],
      ['checkout', SPAN_KIND.internal, 'payment settle'],
      ['gateway', SPAN_KIND.server, 'POST /v1/payments'],
    ]);
    expect(chain.at(-1)?.parentSpanId).toBe(callerSpan);
    // What completed it, the provider's callback, is its own trace, linked from the settle span:
    // the callback to the gateway, checkout handling it, the provider's check.
    const settle = chain[4];
    expect(settle?.links).toHaveLength(1);
    const completedBy = settle?.links[0];
    if (!completedBy) return;
    const callbackChain = await waitFor(
      () => {
        const linked = receiver.spans.find(
          (s) => s.traceId === completedBy.traceId && s.spanId === completedBy.spanId,
        );
        try {
          return linked ? chainOf(linked) : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 15_000, what: 'the callback trace the settle span links to' },
    );
    expect(callbackChain.map((s) => [s.service, s.kind, s.name])).toEqual([
      ['checkout', SPAN_KIND.server, 'tolem.checkout.v1.CheckoutService/HandleProviderCallback'],
      ['gateway', SPAN_KIND.client, 'tolem.checkout.v1.CheckoutService/HandleProviderCallback'],
      ['gateway', SPAN_KIND.server, 'POST /callbacks/:provider'],
    ]);
    expect(callbackChain[2]?.attributes['http.response.status_code']).toBe(200);
    const consumed = chain[1];
    expect(consumed?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.consumer.group.name': stack.consumerGroups.notifier,
      'tolem.payment_id': payment.id,
    });
    // The payment's spans can be found by its id.
    expect(delivery.attributes['tolem.payment_id']).toBe(payment.id);
    expect(chain[2]?.attributes['tolem.payment_id']).toBe(payment.id);
    expect(settle?.attributes['tolem.payment_id']).toBe(payment.id);
    expect(chain[5]?.attributes['http.response.status_code']).toBe(201);
    // The provider's check of the callback is in the callback's trace.
    expect(
      spansOf(completedBy.traceId).some(
        (s) => s.service === 'provider-adapters' && s.kind === SPAN_KIND.server,
      ),
    ).toBe(true);

    // The create call continued the merchant's trace, into checkout.
    const createSpan = receiver.spans.find(
      (s) => s.traceId === callerTrace && s.name === 'POST /v1/payments',
    );
    expect(createSpan).toMatchObject({ service: 'gateway', kind: SPAN_KIND.server });
    expect(createSpan?.parentSpanId).toBe(callerSpan);
    const checkoutCreate = await waitFor(
      () =>
        receiver.spans.find(
          (s) =>
            s.traceId === callerTrace && s.service === 'checkout' && s.kind === SPAN_KIND.server,
        ),
      { timeoutMs: 15_000, what: "checkout's span of the create call" },
    );
    expect(chainOf(checkoutCreate, callerSpan).at(-1)?.spanId).toBe(createSpan?.spanId);

    // Credentials, the hosted page's secret and the payer's purse never reach a span.
    const exported = receiver.bodies.join('\n');
    const pageSecret = new URL(payment.payment_url).searchParams.get('secret') ?? '';
    const purse = String(
      (notification.json as { data: { payer_purse?: string } }).data.payer_purse,
    );
    for (const secret of [
      apiKey,
      signingSecret,
      pageSecret,
      purse,
      stack.secrets.adminToken,
      stack.secrets.webmoneySecretKey,
    ]) {
      expect(secret.length).toBeGreaterThan(2);
      expect(exported).not.toContain(secret);
    }
  });
});
