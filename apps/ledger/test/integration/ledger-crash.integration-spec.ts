import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PostPaymentRequest, RefundPaymentRequest } from '@tolem/contracts/ledger';
import type { Knex } from '@tolem/db-kit';
import { freshDatabase, uniqueTopic, waitFor } from '@tolem/testing';
import type { Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type CollectedMessage,
  collectMessages,
  createTopic,
  eventsOf,
  header,
  openDb,
  outboxMessages,
  type RunningLedger,
  startLedger,
  testKafka,
  unpublishedCount,
} from './helpers';

const WORKERS = 8;

/** One write of the load: a payment, or a refund of an acknowledged payment. */
interface Op {
  key: string;
  kind: 'payment' | 'refund';
  paymentId: string;
  send(ledger: RunningLedger): Promise<{ transactionId: string; alreadyExisted: boolean }>;
}

function paymentOp(worker: number, i: number): Op {
  const paymentId = `pay_crash_${worker}_${i}`;
  const request = PostPaymentRequest.fromPartial({
    idempotencyKey: `payment:${paymentId}:succeeded`,
    paymentId,
    merchantId: `mer_crash_${i % 50}`,
    gross: { amountMinor: BigInt(1_000 + i), currency: 'KGS' },
    method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
    provider: Provider.PROVIDER_WEBMONEY,
    providerAttributes: { payer_purse: 'Z123456789012' },
    description: 'crash test',
  });
  return {
    key: request.idempotencyKey,
    kind: 'payment',
    paymentId,
    async send(ledger) {
      const res = await ledger.client.postPayment(request);
      return { transactionId: res.transaction?.id ?? '', alreadyExisted: res.alreadyExisted };
    },
  };
}

function refundOp(paymentId: string): Op {
  const request = RefundPaymentRequest.fromPartial({
    refundId: `refund:${paymentId}:1`,
    paymentId,
    amount: { amountMinor: 100n, currency: 'KGS' },
    reason: 'crash test',
  });
  return {
    key: request.refundId,
    kind: 'refund',
    paymentId,
    async send(ledger) {
      const res = await ledger.client.refundPayment(request);
      return { transactionId: res.transaction?.id ?? '', alreadyExisted: res.alreadyExisted };
    },
  };
}

describe('ledger killed with SIGKILL under load, then restarted', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let kafka: Kafka;
  let topic: string;
  let consumer: Consumer;
  let messages: CollectedMessage[];
  let ledger: RunningLedger;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await freshDatabase('ledger_it_crash');
    db = openDb(database.url);
    kafka = testKafka();
    topic = uniqueTopic('payments.events.v1.crash');
    await createTopic(kafka, topic, 3);
    ({ messages, consumer } = await collectMessages(kafka, topic));
    env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '',
      PAYMENTS_TOPIC: topic,
    };
    ledger = await startLedger(env);
  });

  afterAll(async () => {
    await ledger?.stop();
    await consumer?.disconnect();
    await db?.destroy();
    await database?.drop();
  });

  it('loses no acknowledged write, writes nothing twice or by halves, and publishes every event in order', async () => {
    const acked = new Map<string, string>();
    const lost: Op[] = [];
    let killed = false;
    const running = ledger;

    // Each worker posts payments and refunds every other one after its payment was answered;
    // a call that fails (the process died under it) is remembered for the retry.
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = 0; !killed; i += 1) {
        const ops = [paymentOp(w, i)];
        for (let k = 0; k < ops.length && !killed; k += 1) {
          const op = ops[k] as Op;
          try {
            const res = await op.send(running);
            acked.set(op.key, res.transactionId);
            if (op.kind === 'payment' && i % 2 === 0) ops.push(refundOp(op.paymentId));
          } catch {
            lost.push(op);
            return;
          }
        }
      }
    });

    await waitFor(() => acked.size >= 300, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'load to build up',
    });
    await running.service.kill();
    killed = true;
    await Promise.all(workers);
    running.client.close();
    expect(lost.length).toBeGreaterThan(0);

    ledger = await startLedger(env);
    // Retrying with the same key and content is always safe: created, or the original.
    for (const op of lost) {
      const res = await op.send(ledger);
      acked.set(op.key, res.transactionId);
    }

    // Every acknowledged write exists exactly once, with the transaction id it was answered with.
    const rows: { idempotency_key: string; id: string }[] = await db('transactions').select(
      'idempotency_key',
      'id',
    );
    const stored = new Map(rows.map((r) => [r.idempotency_key, r.id]));
    expect(rows.length).toBe(stored.size);
    for (const [key, id] of acked) expect(stored.get(key), key).toBe(id);
    // Nothing beyond what was asked: in-flight requests either committed (and are among the
    // retried keys) or left no trace.
    expect([...stored.keys()].every((k) => acked.has(k))).toBe(true);

    await waitFor(async () => (await unpublishedCount(db)) === 0, {
      timeoutMs: 60_000,
      what: 'the outbox to drain',
    });
    const report = await ledger.client.checkIntegrity({});
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);

    // Every outbox row reached Kafka (at least once), and per payment the first delivery of
    // each event comes in sequence order 1, 2, … (a republish after the crash repeats a prefix).
    const outbox = await outboxMessages(db);
    const expectedIds = new Set(outbox.map((m) => m.headers['event-id']));
    expect(expectedIds.size).toBe(outbox.length);
    await waitFor(
      () => {
        const seen = new Set(messages.map((m) => header(m.message, 'event-id')));
        return [...expectedIds].every((id) => seen.has(id));
      },
      { timeoutMs: 60_000, what: 'every event on Kafka' },
    );
    const firstSeen = new Map<string, bigint[]>();
    const seenIds = new Set<string>();
    for (const e of eventsOf(messages)) {
      if (seenIds.has(e.eventId)) continue;
      seenIds.add(e.eventId);
      firstSeen.set(e.paymentId, [...(firstSeen.get(e.paymentId) ?? []), e.sequence]);
    }
    for (const [paymentId, sequences] of firstSeen) {
      expect(sequences, paymentId).toEqual(sequences.map((_, i) => BigInt(i + 1)));
    }
    const refunds = [...acked.keys()].filter((k) => k.startsWith('refund:')).length;
    expect(refunds).toBeGreaterThan(0);
    expect(seenIds.size).toBe(acked.size);
  });
});
