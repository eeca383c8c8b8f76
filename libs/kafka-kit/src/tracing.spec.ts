import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { currentTraceIds, inSpan, startTracing, type Tracing } from '@tolem/observability';
import type { PaymentEvent } from '@tolem/payment-events';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type OutboxMessage, withTraceHeaders } from './outbox';
import { encodeOutboxFrame, OUTBOX_BATCH_HEADER, outboxMessagesOf } from './outbox.batch';
import { paymentEventHandler } from './payment-events.consumer';
import { traceConsume } from './tracing';

/** What kafkajs hands a consumer for a message the relay published (headers as Buffers). */
function asConsumed(m: OutboxMessage, offset: string): KafkaMessage {
  return {
    key: Buffer.from(m.key),
    value: Buffer.from(m.payload),
    timestamp: '0',
    attributes: 0,
    offset,
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

describe('trace context through the outbox and Kafka', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;

  beforeAll(() => {
    tracing = startTracing({ service: 'kafka-kit-test', exporter });
  });
  afterAll(() => tracing.shutdown());

  it('a consumer span is the child of the span that wrote the message, batch rows included', async () => {
    exporter.reset();
    // Two postings, each in its own trace, written into one batch row (the ledger's group commit).
    const written: { message: OutboxMessage; traceId: string; spanId: string }[] = [];
    for (const paymentId of ['pay_1', 'pay_2']) {
      await inSpan('post', {}, async () => {
        const ids = currentTraceIds();
        if (!ids) throw new Error('no span');
        written.push({
          message: {
            topic: 'payments',
            key: paymentId,
            headers: withTraceHeaders({ 'event-id': `evt_${paymentId}` }),
            payload: Buffer.from(paymentId),
          },
          ...ids,
        });
      });
    }
    expect(written[0]?.traceId).not.toBe(written[1]?.traceId);
    const row = {
      topic: 'payments',
      message_key: '',
      headers: { [OUTBOX_BATCH_HEADER]: '2' },
      payload: Buffer.concat(written.map((w) => encodeOutboxFrame(w.message))),
    };
    const published = outboxMessagesOf(row);
    const seen: (string | undefined)[] = [];
    for (const [i, m] of published.entries()) {
      expect(m.headers['traceparent']).toBe(`00-${written[i]?.traceId}-${written[i]?.spanId}-01`);
      await traceConsume(
        { topic: 'payments', groupId: 'notifier', partition: 3 },
        asConsumed(m, String(i)),
        async () => {
          seen.push(currentTraceIds()?.traceId);
        },
      );
    }
    const consumed = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    expect(consumed).toHaveLength(2);
    for (const [i, span] of consumed.entries()) {
      expect(span.name).toBe('process payments');
      expect(span.spanContext().traceId).toBe(written[i]?.traceId);
      expect(span.parentSpanContext?.spanId).toBe(written[i]?.spanId);
      expect(span.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.consumer.group.name': 'notifier',
        'messaging.message.id': `evt_pay_${i + 1}`,
      });
      // The handler ran inside the consumer span.
      expect(seen[i]).toBe(written[i]?.traceId);
    }
  });

  it('adds nothing outside a trace and never replaces a trace the message names', async () => {
    expect(withTraceHeaders({ 'event-id': 'e' })).toEqual({ 'event-id': 'e' });
    const named = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await inSpan('other', {}, async () => {
      expect(withTraceHeaders({ traceparent: named })['traceparent']).toBe(named);
    });
  });

  it("names the event's payment and merchant on the consumer span, for finding it by id", async () => {
    exporter.reset();
    const m: OutboxMessage = {
      topic: 't',
      key: 'pay_7',
      headers: { 'event-id': 'e' },
      payload: Buffer.from('x'),
    };
    const handle = paymentEventHandler(async () => undefined);
    await traceConsume({ topic: 't', groupId: 'g', partition: 0 }, asConsumed(m, '0'), () =>
      handle({} as never, {
        eventId: 'e',
        eventType: 'payment.succeeded',
        event: { paymentId: 'pay_7', merchantId: 'mer_7', eventType: '' } as PaymentEvent,
      }),
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toMatchObject({
      'tolem.payment_id': 'pay_7',
      'tolem.merchant_id': 'mer_7',
    });
  });

  it('a message without trace headers starts a trace of its own', async () => {
    exporter.reset();
    const m: OutboxMessage = {
      topic: 't',
      key: 'k',
      headers: { 'event-id': 'e' },
      payload: Buffer.from('x'),
    };
    await traceConsume(
      { topic: 't', groupId: 'g', partition: 0 },
      asConsumed(m, '0'),
      async () => undefined,
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext).toBeUndefined();
  });
});
