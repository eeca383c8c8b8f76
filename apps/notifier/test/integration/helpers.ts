import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import { newId } from '@tolem/ids';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';

export interface ScriptedAnswer {
  status: number;
  body: string;
  /** Answer only after this long (to exceed the notifier's timeout). */
  delayMs?: number;
}

/** A merchant's result URL: records every request and answers from a per-payment script. */
export interface FakeMerchant {
  url: string;
  requests: {
    headers: IncomingHttpHeaders;
    body: string;
    paymentId: string;
    eventId: string;
    /** The secrets (of those trusted) whose signature the `standardwebhooks` package accepted. */
    verifiedWith: string[];
  }[];
  /** Secrets the merchant verifies every request with (as a merchant's handler would). */
  trust(...secrets: string[]): void;
  /** Answers for a payment's next requests, in order (optionally late); afterwards 200 "ok". */
  script(paymentId: string, answers: ScriptedAnswer[]): void;
  requestsFor(paymentId: string): FakeMerchant['requests'];
  close(): Promise<void>;
}

/**
 * Verifies a notification with the reference Standard Webhooks library, not with our own code. A
 * `whsec_<base64>` secret is read as the library reads it; any other as raw bytes.
 */
export function verifies(
  secret: string,
  body: string,
  headers: IncomingHttpHeaders,
  now: () => number = Date.now,
): boolean {
  const base64 = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const hook = base64.test(secret) ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
  // The library refuses timestamps more than 5 minutes from Date.now(); tests that move a clock
  // days ahead verify against that clock (the signature check itself is untouched).
  const realNow = Date.now;
  Date.now = now;
  try {
    hook.verify(
      body,
      {
        'webhook-id': String(headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(headers['webhook-signature'] ?? ''),
      },
      { jsonParse: false },
    );
    return true;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}

export async function startFakeMerchant(): Promise<FakeMerchant> {
  const requests: FakeMerchant['requests'] = [];
  const trusted = new Set<string>();
  const scripts = new Map<string, ScriptedAnswer[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let paymentId = '';
      let eventId = '';
      try {
        const parsed = JSON.parse(body) as { id?: string; data?: { payment_id?: string } };
        paymentId = parsed.data?.payment_id ?? '';
        eventId = parsed.id ?? '';
      } catch {
        // recorded as is; the test asserts on it
      }
      requests.push({
        headers: req.headers,
        body,
        paymentId,
        eventId,
        verifiedWith: [...trusted].filter((secret) => verifies(secret, body, req.headers)),
      });
      const next: ScriptedAnswer = scripts.get(paymentId)?.shift() ?? { status: 200, body: 'ok' };
      const reply = () => {
        if (!res.destroyed)
          res.writeHead(next.status, { 'content-type': 'text/plain' }).end(next.body);
      };
      if (next.delayMs) setTimeout(reply, next.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tolem/result`,
    requests,
    trust(...secrets) {
      for (const secret of secrets) trusted.add(secret);
    },
    script(paymentId, answers) {
      scripts.set(paymentId, [...answers]);
    },
    requestsFor(paymentId) {
      return requests.filter((r) => r.paymentId === paymentId);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function testKafka(brokers: string): Kafka {
  return new Kafka({
    clientId: 'notifier-it',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

/** A Keeper Mobile payment.succeeded event, as the ledger publishes it. */
export function aKeeperMobileEvent(overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  const paymentId = overrides.paymentId ?? newId('pay');
  return PaymentEvent.fromPartial({
    eventId: newId('evt'),
    eventType: 'payment.succeeded',
    occurredAt: new Date('2026-03-01T10:00:00.000Z'),
    paymentId,
    merchantId: 'mer_it',
    orderId: `order-${paymentId.slice(-6)}`,
    // Live, as the endpoints the tests add (an endpoint gets only its own mode's events).
    livemode: true,
    gross: { amountMinor: 150_000n, currency: 'RUB' },
    fee: { amountMinor: 3_000n, currency: 'RUB' },
    net: { amountMinor: 147_000n, currency: 'RUB' },
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerPaymentId: '1234567',
    providerAttributes: {
      payer_wmid: '123456789012',
      payer_purse: 'R123456789012',
      payer_phone: '79001234567',
      keeper_mobile_payment_no: 'KM-000777',
    },
    ledgerTransactionId: newId('txn'),
    sequence: 1n,
    ...overrides,
  });
}

/**
 * A status fact as checkout records it through the ledger: no money moved, so gross is the
 * payment's amount and fee and net are zero.
 */
export function aStatusEvent(
  eventType: string,
  paymentStatus: string,
  overrides: Partial<PaymentEvent> = {},
): PaymentEvent {
  return aKeeperMobileEvent({
    eventType,
    paymentStatus,
    fee: { amountMinor: 0n, currency: 'RUB' },
    net: { amountMinor: 0n, currency: 'RUB' },
    ledgerTransactionId: '',
    ...overrides,
  });
}

/** Publishes like the ledger's relay: key = payment id, event-id / event-type headers, protobuf value. */
export async function publish(
  producer: Producer,
  topic: string,
  event: PaymentEvent,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: [
      {
        key: event.paymentId,
        value: Buffer.from(PaymentEvent.encode(event).finish()),
        headers: { 'event-id': event.eventId, 'event-type': event.eventType },
      },
    ],
  });
}
