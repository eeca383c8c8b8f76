import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { sumSamples } from '@tolem/metrics';
import { freePort, freshDatabase, integrationEnv, uniqueTopic, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTopic, type RunningLedger, startLedger, testKafka } from './helpers';

const MERCHANT = 'mer_metrics';
const POST_PAYMENT = '/tolem.ledger.v1.LedgerService/PostPayment';

describe('ledger metrics (real ledger process, PostgreSQL, Kafka)', () => {
  let ledger: RunningLedger;
  let drop: () => Promise<void>;
  let metricsUrl: string;
  const scrape = async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    const database = await freshDatabase('ledger_metrics_it');
    drop = database.drop;
    const topic = uniqueTopic('payments.events.v1.metrics');
    await createTopic(testKafka(), topic, 1);
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    ledger = await startLedger({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: integrationEnv().kafkaBrokers,
      PAYMENTS_TOPIC: topic,
      METRICS_PORT: String(metricsPort),
    });
  });

  afterAll(async () => {
    await ledger?.stop();
    await drop?.();
  });

  it('serves /metrics on METRICS_PORT with posted transactions, unapplied funds, gRPC calls and the outbox', async () => {
    const before = await scrape();
    expect(sumSamples(before, 'tolem_ledger_transactions_posted_total', { kind: 'payment' })).toBe(
      0,
    );
    expect(before).toMatch(/^process_cpu_user_seconds_total\{service="ledger"\} /m);

    await ledger.client.postPayment({
      idempotencyKey: 'payment:pay_m1:succeeded',
      paymentId: 'pay_m1',
      merchantId: MERCHANT,
      gross: { amountMinor: 10_000n, currency: 'USD' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-pay_m1',
      providerAttributes: {},
      orderId: 'order-pay_m1',
      description: 'Books',
      occurredAt: new Date('2026-12-06T10:00:00.000Z'),
      livemode: true,
    });
    await ledger.client.holdUnappliedFunds({
      idempotencyKey: 'case:case_m1:hold',
      caseId: 'case_m1',
      caseKind: 'late_payment',
      paymentId: 'pay_m2',
      merchantId: MERCHANT,
      amount: { amountMinor: 2_500n, currency: 'USD' },
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      provider: Provider.PROVIDER_WEBMONEY,
      providerPaymentId: 'wm-case_m1',
      providerAttributes: {},
      orderId: 'order-pay_m2',
      description: 'Books',
      occurredAt: new Date('2026-12-06T11:00:00.000Z'),
      livemode: true,
    });

    const text = await scrape();
    const service = { service: 'ledger' };
    expect(
      sumSamples(text, 'tolem_ledger_transactions_posted_total', { ...service, kind: 'payment' }),
    ).toBe(1);
    expect(
      sumSamples(text, 'tolem_ledger_transactions_posted_total', { kind: 'unapplied_hold' }),
    ).toBe(1);
    expect(
      sumSamples(text, 'tolem_ledger_unapplied_funds_held_minor', { ...service, currency: 'USD' }),
    ).toBe(2_500);
    expect(sumSamples(text, 'tolem_ledger_unapplied_funds_held_cases', { currency: 'USD' })).toBe(
      1,
    );
    expect(
      sumSamples(text, 'tolem_grpc_server_handled_total', { method: POST_PAYMENT, code: 'OK' }),
    ).toBe(1);
    expect(text).toMatch(/^tolem_outbox_backlog_messages\{relay="outbox",service="ledger"\} /m);
    expect(text).not.toContain(MERCHANT);
    await waitFor(async () => sumSamples(await scrape(), 'tolem_outbox_backlog_messages') === 0, {
      timeoutMs: 30_000,
      what: 'the outbox published',
    });
  });
});
