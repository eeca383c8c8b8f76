import { PaymentEvent } from '@tolem/contracts/events';
import type { Stack } from '@tolem/stack';
import { integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, submit } from './html-forms';
import { openShop, type PaymentJson, type Shop } from './shop';

/** Long enough to start and fail a payment, short enough to watch one expire. */
const TTL_MS = 15_000;

/**
 * Status facts end to end: checkout records each transition through the ledger (the one
 * publisher), Kafka carries them in the payment's sequence, the notifier tells the merchant of
 * failed, expired and canceled payments (signed, once each) and reporting keeps the status.
 */
describe('failed, expired and canceled payments reach the merchant (real processes)', () => {
  let shop: Shop;
  let stack: Stack;
  let apiKey: string;
  let kafka: Kafka;
  const notificationsOf = (paymentId: string) => shop.notificationsOf(paymentId);
  const methodForm = (payment: PaymentJson, method: string) => shop.methodForm(payment, method);

  beforeAll(async () => {
    shop = await openShop({
      name: 'E2E shop, unhappy paths',
      methods: ['webmoney_purse', 'wavepay'],
      feeRules: [],
      stack: {
        // A pending Wavepay deposit waits for the postback this test sends itself.
        sandbox: { paykassmaPendingDelayMs: 600_000, callbackBackoffMs: 200 },
        extraEnv: { PAYMENT_TTL_MS: String(TTL_MS), PAYMENT_EXPIRY_SWEEP_MS: '500' },
      },
    });
    ({ stack, apiKey } = shop);
    kafka = new Kafka({
      clientId: `e2e-status-${randomSuffix()}`,
      brokers: integrationEnv().kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
  });

  afterAll(async () => {
    await shop?.close();
  });

  const createPayment = (amount: number, currency: string) => shop.createPayment(amount, currency);

  /** The one notification of the payment, of the given type; then no second one arrives. */
  async function expectNotifiedOnce(paymentId: string, type: string) {
    const notification = await waitFor(() => notificationsOf(paymentId)[0], {
      timeoutMs: 60_000,
      what: `the ${type} notification of ${paymentId}`,
    });
    expect(notification.signatureValid).toBe(true);
    expect(notification.json).toMatchObject({ type, data: { payment_id: paymentId } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(notificationsOf(paymentId)).toHaveLength(1);
    return notification.json as { type: string; data: Record<string, unknown> };
  }

  /** Every event of the payment on the topic, as the ledger published them. */
  async function eventsOf(paymentId: string, count: number): Promise<PaymentEvent[]> {
    const consumer = kafka.consumer({ groupId: `e2e-status-reader-${randomSuffix()}` });
    const seen: PaymentEvent[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: shop.topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === paymentId && message.value) {
            seen.push(PaymentEvent.decode(message.value));
          }
        },
      });
      await waitFor(() => seen.length >= count, {
        timeoutMs: 30_000,
        what: `${count} events of ${paymentId} on Kafka`,
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  it('a canceled payment: payment.canceled to the merchant, in the ledger sequence after pending', async () => {
    const payment = await createPayment(1_500, 'USD');
    const started = await submit(await methodForm(payment, 'webmoney_purse'));
    expect(started.status).toBe(200);
    const res = await fetch(`${stack.gatewayUrl}/v1/payments/${payment.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'customer changed their mind' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as PaymentJson).status).toBe('canceled');

    const event = await expectNotifiedOnce(payment.id, 'payment.canceled');
    expect(event.data).toMatchObject({ status: 'canceled', amount: 1_500, currency: 'USD' });
    const events = await eventsOf(payment.id, 2);
    expect(events.map((e) => [e.eventType, e.sequence, e.paymentStatus])).toEqual([
      ['payment.pending', 1n, 'pending'],
      ['payment.canceled', 2n, 'canceled'],
    ]);
  });

  it('an expired payment: payment.expired to the merchant, once', async () => {
    const payment = await createPayment(2_000, 'USD');
    const event = await expectNotifiedOnce(payment.id, 'payment.expired');
    expect(event.data).toMatchObject({ status: 'expired', amount: 2_000, net: 0 });
    const status = await fetch(`${stack.gatewayUrl}/v1/payments/${payment.id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(((await status.json()) as PaymentJson).status).toBe('expired');
  });

  it('a failed payment: the provider says fail, payment.failed with its code to the merchant', async () => {
    const payment = await createPayment(500_100, 'MMK');
    const started = await submit(await methodForm(payment, 'wavepay'));
    const html = await started.text();
    expect(started.status, html.slice(0, 2_000)).toBe(200);
    const inputForm = formById(html, payment.payment_url, 'payer-input-form');
    const wallet = /<dt>Wallet number<\/dt><dd>(\d+)<\/dd>/.exec(html)?.[1];
    const transfer = await fetch(`${stack.sandboxUrl}/_sandbox/paykassma/wallet/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 5_001, to: wallet }),
    });
    const { key1 } = (await transfer.json()) as { key1: string };
    // Amounts ending 01 wait in the wallet: pending until the postback.
    const answered = await submit(inputForm, { key1 });
    expect(answered.status).toBe(200);
    const found = await fetch(
      `${stack.sandboxUrl}/_sandbox/paykassma/deposits?key1=${encodeURIComponent(key1)}`,
    );
    const { deposits } = (await found.json()) as { deposits: { id: string }[] };
    const postback = await fetch(
      `${stack.sandboxUrl}/_sandbox/paykassma/deposits/${deposits[0]?.id ?? ''}/postback`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'fail' }),
      },
    );
    expect(postback.status).toBe(200);

    const event = await expectNotifiedOnce(payment.id, 'payment.failed');
    expect(event.data).toMatchObject({ status: 'failed', amount: 500_100, currency: 'MMK' });
    expect(typeof event.data['failure_code']).toBe('string');
    expect(event.data['failure_code']).not.toBe('');
    const events = await eventsOf(payment.id, 2);
    expect(events.map((e) => [e.eventType, e.sequence])).toEqual([
      ['payment.pending', 1n],
      ['payment.failed', 2n],
    ]);
  });
});
