import { contextFromHeaders, inSpan, SpanKind } from '@tolem/observability';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** The message's W3C trace headers as strings (kafkajs gives Buffers). */
function traceCarrier(headers: IHeaders | undefined): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = headers?.[key];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) carrier[key] = first.toString();
  }
  return carrier;
}

/**
 * Runs a message's handling in a consumer span, the child of the span that wrote it (its
 * `traceparent` header, put there through the outbox): one trace follows a payment from the
 * call that posted it to every service that reacts. Only ids go on the span, never the payload.
 */
export function traceConsume<T>(
  where: { topic: string; groupId: string; partition: number },
  message: KafkaMessage,
  fn: () => Promise<T>,
): Promise<T> {
  const eventId = message.headers?.['event-id'];
  return inSpan(
    `process ${where.topic}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromHeaders(traceCarrier(message.headers)),
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': where.topic,
        'messaging.consumer.group.name': where.groupId,
        'messaging.destination.partition.id': String(where.partition),
        'messaging.kafka.offset': Number(message.offset),
        ...(eventId !== undefined && !Array.isArray(eventId)
          ? { 'messaging.message.id': eventId.toString() }
          : {}),
      },
    },
    fn,
  );
}
