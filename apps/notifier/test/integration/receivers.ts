import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import { makeRecordDelivery } from '../../src/app/record-delivery';
import { createDeliveriesRepo } from '../../src/db/deliveries.repo';
import { createEndpointsRepo } from '../../src/db/endpoints.repo';
import { createEventsRepo } from '../../src/db/events.repo';
import type { AckMode } from '../../src/domain/endpoint';
import type { NotificationEvent } from '../../src/domain/notification-event';
import type { Clock } from '../../src/domain/ports';
import { verifies } from './helpers';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  eventId: string;
  at: number;
  verified: boolean;
}

/** A real HTTP merchant endpoint whose answers a test decides; it verifies every signature. */
export interface Receiver {
  url: string;
  port: number;
  secret: string;
  received: Received[];
  /** Requests being answered right now, and the most ever at once. */
  open(): number;
  maxOpen(): number;
  answer: (res: ServerResponse, req: Received) => void;
  close(): Promise<void>;
}

export async function startReceiver(
  secret: string,
  answer: Receiver['answer'] = (res) => res.end('ok'),
  /** The time signatures are verified at (a test's clock); the real time by default. */
  now: () => number = Date.now,
): Promise<Receiver> {
  let open = 0;
  let maxOpen = 0;
  const received: Received[] = [];
  const receiver = { answer } as Receiver;
  const server = createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => {
      open -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        headers: req.headers,
        body,
        eventId: String(req.headers['webhook-id'] ?? ''),
        at: Date.now(),
        verified: verifies(secret, body, req.headers, now),
      };
      received.push(r);
      receiver.answer(res, r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    secret,
    received,
    open: () => open,
    maxOpen: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Registers an endpoint row the way the management API stores it. */
export async function addEndpoint(
  db: Knex,
  input: { merchantId: string; url: string; secret: string; ack?: AckMode; maxInFlight?: number },
): Promise<string> {
  const id = newId('we');
  const now = new Date();
  await db('webhook_endpoints').insert({
    id,
    merchant_id: input.merchantId,
    url: input.url,
    ack: input.ack ?? 'ok',
    max_in_flight: input.maxInFlight ?? 4,
    signing_secret: input.secret,
    created_at: now,
    updated_at: now,
  });
  return id;
}

export function aNotificationEvent(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  const paymentId = overrides.paymentId ?? newId('pay');
  return {
    eventId: newId('evt'),
    eventType: 'payment.succeeded',
    occurredAt: new Date('2026-03-01T10:00:00Z'),
    paymentId,
    merchantId: 'mer_dispatch',
    orderId: `order-${paymentId.slice(-6)}`,
    livemode: true,
    gross: { amountMinor: 150_000n, currency: 'RUB' },
    fee: { amountMinor: 3_000n, currency: 'RUB' },
    net: { amountMinor: 147_000n, currency: 'RUB' },
    method: 'webmoney_keeper_mobile',
    provider: 'webmoney',
    providerPaymentId: '1234567',
    ledgerTransactionId: newId('txn'),
    description: '',
    sequence: 1n,
    paymentStatus: 'succeeded',
    failureCode: '',
    providerAttributes: {},
    ...overrides,
  };
}

/** Records an event through the notifier's own record path (what the Kafka consumer runs). */
export function recordEvent(
  db: Knex,
  clock: Clock,
  event: NotificationEvent,
  retryWindowMs = 72 * 3_600_000,
): Promise<unknown> {
  return db.transaction((trx) =>
    makeRecordDelivery({
      deliveries: createDeliveriesRepo(trx),
      endpoints: createEndpointsRepo(trx),
      events: createEventsRepo(trx),
      clock,
      retryWindowMs,
    })(event),
  );
}

/** A clock the test moves. */
export function manualClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (at: Date) => {
      now = at.getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}
