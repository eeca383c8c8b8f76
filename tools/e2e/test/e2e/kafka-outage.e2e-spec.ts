import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { ReportingServiceClient } from '@tolem/contracts/reporting';
import { createClient, LIVENESS_SERVICE, type PromiseClient } from '@tolem/grpc-kit';
import { DEFAULT_KAFKA_VERSION, type KafkaHandle, startLocalKafka } from '@tolem/infra';
import { CONSUMER_HEALTH } from '@tolem/kafka-kit';
import {
  type DemoMerchant,
  type ServiceName,
  type Stack,
  startDemoMerchant,
  startStack,
} from '@tolem/stack';
import { grpcServing, integrationEnv, randomSuffix, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formById, open, parseForms, submit } from './html-forms';

/** How long the broker stays frozen (the scenario). */
const OUTAGE_MS = 60_000;
const KILLED: ServiceName[] = ['ledger', 'notifier', 'reporting'];

interface PaymentJson {
  id: string;
  status: string;
  payment_url: string;
}

interface Webhook {
  id: string;
  type: string;
  data: { payment_id: string; net: number };
}

const say = (line: string) => process.stdout.write(`[kafka-outage] ${line}\n`);

describe('payments survive Kafka frozen for a minute while the ledger, notifier and reporting are SIGKILLed', () => {
  let stateDir: string;
  let kafka: KafkaHandle;
  let kafkaPid: number;
  let kafkaFrozen = false;
  let stack: Stack;
  let merchant: DemoMerchant;
  let apiKey: string;
  let merchantId: string;
  let ledger: PromiseClient<LedgerServiceClient>;
  let reporting: PromiseClient<ReportingServiceClient>;
  const stackLines: string[] = [];

  beforeAll(async () => {
    // Its own broker: freezing the shared one would stall every other test file running now.
    stateDir = mkdtempSync(join(tmpdir(), 'tolem-outage-'));
    kafka = await startLocalKafka(
      stateDir,
      process.env['TOLEM_KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION,
      (m) => say(m),
    );
    if (kafka.pid === undefined) throw new Error('the local broker has no pid to signal');
    kafkaPid = kafka.pid;
    merchant = await startDemoMerchant();
    stack = await startStack({
      databaseUrl: integrationEnv().databaseUrl,
      kafkaBrokers: kafka.brokers,
      databasePrefix: `e2e_outage_${randomSuffix()}`,
      logLevel: 'warn',
      restartOnExit: true,
      log: (line) => {
        stackLines.push(line);
        if (line.startsWith('[stack]')) say(line);
      },
    });
    const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.secrets.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        name: 'Outage shop',
        enabled_methods: ['webmoney_purse'],
        fee_rules: [{ method: 'webmoney_purse', percent_bps: 250 }],
        webmoney_shop_id: '4343',
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
    if (kafkaFrozen) process.kill(kafkaPid, 'SIGCONT');
    ledger?.close();
    reporting?.close();
    await stack?.stop();
    await merchant?.close();
    await kafka?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  async function getPayment(id: string): Promise<PaymentJson> {
    const res = await fetch(`${stack.gatewayUrl}/v1/payments/${id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return (await res.json()) as PaymentJson;
  }

  /**
   * Creates a payment and pays it from a WebMoney purse in the sandbox, then waits until the
   * gateway says succeeded. A notification the platform could not take (an app was restarting)
   * is sent again, as WebMoney would.
   */
  async function pay(amount: number, orderId: string): Promise<string> {
    const created = await waitFor(
      async () => {
        const res = await fetch(`${stack.gatewayUrl}/v1/payments`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': `outage-${orderId}`,
          },
          body: JSON.stringify({ amount, currency: 'USD', order_id: orderId, description: 'Mug' }),
        });
        return res.ok ? ((await res.json()) as PaymentJson) : undefined;
      },
      { timeoutMs: 60_000, what: `payment ${orderId} created` },
    );
    // The hosted page as a payer opens it: its secret link, its CSRF cookie and form.
    const hosted = await open(created.payment_url);
    expect(hosted.status).toBe(200);
    const chooser = parseForms(await hosted.text(), created.payment_url).find((f) =>
      f.fields.some(([k, v]) => k === 'method' && v === 'webmoney_purse'),
    );
    if (!chooser) throw new Error(`no WebMoney form on the hosted page of ${created.id}`);
    const started = await submit(chooser);
    expect(started.status).toBe(200);
    const providerForm = formById(await started.text(), created.payment_url, 'provider-form');
    const wmPage = await submit(providerForm);
    expect(wmPage.status).toBe(200);
    const invoice = formById(await wmPage.text(), providerForm.action, 'pay-purse').fields.find(
      ([k]) => k === 'invoice',
    )?.[1];
    expect(invoice).toBeTruthy();
    const invoiceUrl = `${stack.sandboxUrl}/_sandbox/webmoney/invoices/${invoice}`;
    const paid = await fetch(`${invoiceUrl}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'purse' }),
    });
    expect(paid.status).toBe(200);
    let lastSent = Date.now();
    await waitFor(
      async () => {
        if ((await getPayment(created.id)).status === 'succeeded') return true;
        if (Date.now() - lastSent > 3_000) {
          lastSent = Date.now();
          await fetch(`${invoiceUrl}/resend`, { method: 'POST' });
        }
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `payment ${orderId} succeeded` },
    );
    return created.id;
  }

  const succeededWebhooks = (): Webhook[] =>
    merchant.notifications
      .map((n) => n.json as Webhook)
      .filter((w) => w?.type === 'payment.succeeded');

  it('delivers every payment exactly once after dedupe, reports every one, and keeps the ledger balanced', async () => {
    const paymentIds: string[] = [];
    let order = 0;
    const payNext = async () => {
      order += 1;
      paymentIds.push(await pay(1_000 + order * 7, `outage-${order}`));
    };

    for (let i = 0; i < 3; i += 1) await payNext();
    say(`paid ${paymentIds.length} before the outage`);

    process.kill(kafkaPid, 'SIGSTOP');
    kafkaFrozen = true;
    const frozenAt = Date.now();
    say('kafka frozen (SIGSTOP)');
    for (let i = 0; i < 2; i += 1) await payNext();

    const restartsBefore = stackLines.filter((l) => l.endsWith(' restarted')).length;
    for (const name of KILLED) await stack.processes.get(name)?.kill();
    say('ledger, notifier and reporting killed (SIGKILL)');
    // One more payment while they are down: it goes through once the ledger is back.
    const paidWhileDown = payNext();
    await waitFor(
      () => stackLines.filter((l) => l.endsWith(' restarted')).length >= restartsBefore + 3,
      {
        timeoutMs: 120_000,
        what: 'the stack to restart the three apps',
      },
    );
    for (const name of KILLED) {
      expect(stackLines).toContainEqual(
        `[stack] ${name} exited (signal SIGKILL); restarting in 1s`,
      );
    }
    // Restarted while the broker is frozen: alive and ready (their APIs need no broker, so they
    // stay in their Services' endpoints), saying on their consumer's health that it does not consume.
    for (const name of ['notifier', 'reporting'] as const) {
      const address = stack.healthAddresses[name] as string;
      expect(await grpcServing(address, 2_000, LIVENESS_SERVICE), name).toBe(true);
      expect(await grpcServing(address, 2_000), name).toBe(true);
      expect(await grpcServing(address, 2_000, CONSUMER_HEALTH), name).toBe(false);
    }
    // qr-platform too: checkout creates a QR payment's code through it while the broker is away.
    expect(await grpcServing(stack.healthAddresses['qr-platform'] as string, 2_000)).toBe(true);
    await paidWhileDown;
    for (let i = 0; i < 2; i += 1) await payNext();
    say(`paid ${paymentIds.length} by the end of the outage`);

    const frozenFor = Date.now() - frozenAt;
    if (frozenFor < OUTAGE_MS) await new Promise((r) => setTimeout(r, OUTAGE_MS - frozenFor));
    process.kill(kafkaPid, 'SIGCONT');
    kafkaFrozen = false;
    const resumedAt = Date.now();
    say(`kafka resumed (SIGCONT) after ${((resumedAt - frozenAt) / 1_000).toFixed(1)} s`);

    for (let i = 0; i < 3; i += 1) await payNext();
    say(`paid ${paymentIds.length} in all`);

    await waitFor(
      () => {
        const delivered = new Set(succeededWebhooks().map((w) => w.data.payment_id));
        return paymentIds.every((id) => delivered.has(id));
      },
      { timeoutMs: 180_000, intervalMs: 200, what: 'every payment at the merchant' },
    );
    const deliveredAfterS = (Date.now() - resumedAt) / 1_000;
    // The events of the payments made before the 3 after it waited out the outage.
    const waited = paymentIds.slice(0, -3);
    const firstArrival = (paymentId: string) =>
      Math.min(
        ...merchant.notifications
          .filter((n) => (n.json as Webhook)?.data?.payment_id === paymentId)
          .map((n) => n.receivedAt.getTime()),
      );
    const backlogDeliveredAfterS = (Math.max(...waited.map(firstArrival)) - resumedAt) / 1_000;
    await waitFor(
      async () => {
        for (const paymentId of paymentIds) {
          const fact = await reporting.getPaymentFact({ paymentId }).catch(() => undefined);
          if (fact?.fact?.status !== 'succeeded') return false;
        }
        return true;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'every payment in reporting' },
    );
    const reportedAfterS = (Date.now() - resumedAt) / 1_000;
    for (const name of ['notifier', 'reporting'] as const) {
      await waitFor(
        () => grpcServing(stack.healthAddresses[name] as string, 1_000, CONSUMER_HEALTH),
        { timeoutMs: 60_000, what: `${name} consuming again` },
      );
    }

    // Each payment's succeeded event exactly once after dedupe by event id; raw duplicates can
    // only be resends of one event id (the notifier's documented crash window).
    const webhooks = succeededWebhooks();
    const byPayment = new Map<string, Set<string>>();
    for (const w of webhooks) {
      const ids = byPayment.get(w.data.payment_id) ?? new Set<string>();
      ids.add(w.id);
      byPayment.set(w.data.payment_id, ids);
    }
    expect([...byPayment.keys()].sort()).toEqual([...paymentIds].sort());
    for (const id of paymentIds) expect(byPayment.get(id)?.size).toBe(1);
    const rawDuplicates = webhooks.length - paymentIds.length;
    expect(merchant.notifications.every((n) => n.signatureValid)).toBe(true);
    say(
      `${paymentIds.length} payments; the ${waited.length} made before the resume at the merchant ` +
        `${backlogDeliveredAfterS.toFixed(1)} s, every one ${deliveredAfterS.toFixed(1)} s ` +
        `and in reporting ${reportedAfterS.toFixed(1)} s after Kafka resumed; ` +
        `raw duplicate webhooks: ${rawDuplicates}`,
    );

    const netById = new Map(webhooks.map((w) => [w.data.payment_id, BigInt(w.data.net)]));
    const sumOfNets = paymentIds.reduce((sum, id) => sum + (netById.get(id) ?? 0n), 0n);
    const balance = await ledger.getBalance({
      merchantId,
      currency: 'USD',
      asOf: undefined,
      livemode: false,
    });
    expect(balance.available?.amountMinor).toBe(sumOfNets);

    const integrity = await ledger.checkIntegrity({});
    expect(integrity.violations).toEqual([]);
    expect(integrity.ok).toBe(true);
    // A minute of outage plus paying and draining: bounded, but above the tier's 180 s default.
  }, 600_000);
});
