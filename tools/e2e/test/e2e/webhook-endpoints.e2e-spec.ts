import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, submit } from './html-forms';
import { openShop, type Shop } from './shop';

/**
 * Issue 10 end to end: a merchant adds a second endpoint through the gateway, form-encoded and
 * subscribed to payment.succeeded only; a payment through the sandbox reaches it as the fields a
 * WebMoney-style result script reads, next to the JSON notification of the onboarding endpoint;
 * both say livemode false, as the payment was made with a test key.
 */
describe('a merchant’s own webhook endpoint with a form body (real processes)', () => {
  let shop: Shop;
  let server: Server;
  let receiverUrl: string;
  const received: { body: string; contentType: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: String(req.headers['content-type'] ?? ''),
        });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.php`;
    shop = await openShop({
      name: 'E2E shop, webhook endpoints',
      methods: ['webmoney_purse'],
      feeRules: [],
    });
  });

  afterAll(async () => {
    await shop?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${shop.stack.gatewayUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${shop.apiKey}`,
        ...(init.body !== undefined
          ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() }
          : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  it('creates a form endpoint, pays from a WebMoney purse, and the receiver gets the form fields', async () => {
    const created = await api('/v1/webhook_endpoints', {
      method: 'POST',
      body: { url: receiverUrl, format: 'form', event_types: ['payment.succeeded'] },
    });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string; secret: string; format: string };
    expect(endpoint.format).toBe('form');
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = (await (await api('/v1/webhook_endpoints')).json()) as {
      data: { id: string; is_default: boolean; livemode: boolean }[];
    };
    // A test key lists only its own mode's endpoints: the onboarding one is live (it still gets
    // this test payment's JSON notification below).
    expect(listed.data.map((e) => [e.is_default, e.id === endpoint.id, e.livemode])).toEqual([
      [false, true, false],
    ]);

    // The shop's key is a test key: its payment pays through the sandbox and says so.
    expect(shop.apiKey).toMatch(/^sk_test_/);
    const payment = await shop.createPayment(1999, 'USD', 'order-form-1');
    const started = await submit(await shop.methodForm(payment, 'webmoney_purse'));
    expect(started.status).toBe(200);
    const providerForm = formById(await started.text(), payment.payment_url, 'provider-form');
    const wmPage = await submit(providerForm);
    const paid = await submit(formById(await wmPage.text(), providerForm.action, 'pay-purse'));
    expect([200, 302, 303]).toContain(paid.status);

    const form = await waitFor(
      () =>
        received
          .map((r) => new URLSearchParams(r.body))
          .find((f) => f.get('payment_id') === payment.id),
      { timeoutMs: 60_000, what: 'the form notification' },
    );
    expect(Object.fromEntries(form)).toMatchObject({
      event_type: 'payment.succeeded',
      payment_id: payment.id,
      merchant_id: shop.merchantId,
      order_id: 'order-form-1',
      amount: '1999',
      amount_major: '19.99',
      currency: 'USD',
      method: 'webmoney_purse',
      livemode: 'false',
      status: 'succeeded',
    });
    expect(form.get('event_id')).toMatch(/^evt_/);
    expect(form.get('payer_purse')).toMatch(/^Z\d{12}$/);
    // The onboarding endpoint still gets its JSON notification of the same event.
    const json = await waitFor(() => shop.notificationsOf(payment.id)[0], {
      timeoutMs: 60_000,
      what: 'the default endpoint notification',
    });
    const notified = json.json as { id: string; data: { livemode: unknown } };
    expect(notified.id).toBe(form.get('event_id'));
    expect(notified.data.livemode).toBe(false);

    const deliveries = await waitFor(
      async () => {
        const res = await api(`/v1/webhook_deliveries?endpoint=${endpoint.id}&status=delivered`);
        const body = (await res.json()) as { data: { id: string; payment: string }[] };
        return body.data.find((d) => d.payment === payment.id);
      },
      { what: 'the delivery to show as delivered' },
    );
    const detail = (await (await api(`/v1/webhook_deliveries/${deliveries.id}`)).json()) as {
      attempts: { status_code: number; response_excerpt: string; url: string }[];
    };
    expect(detail.attempts.at(-1)).toMatchObject({ status_code: 200, response_excerpt: 'ok' });
    // Only the subscribed type: the payment's pending fact and others never reached the form endpoint.
    expect(
      received.filter((r) => new URLSearchParams(r.body).get('payment_id') === payment.id),
    ).toHaveLength(1);
  });
});
