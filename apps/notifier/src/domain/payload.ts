import type { EventAmount, NotificationEvent } from './notification-event';

/** JSON numbers lose precision above 2^53-1, so larger amounts travel as decimal strings. */
export function jsonInteger(value: bigint): number | string {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  return value <= limit && value >= -limit ? Number(value) : value.toString();
}

const CORE_DATA_KEYS = [
  'payment_id',
  'merchant_id',
  'order_id',
  'amount',
  'currency',
  'fee',
  'net',
  'method',
  'provider',
  'provider_payment_id',
  'ledger_transaction_id',
  'description',
  'sequence',
  'status',
  'failure_code',
  'refund_id',
] as const;

function amountOf(m: EventAmount | undefined): number | string {
  return jsonInteger(m?.amountMinor ?? 0n);
}

/**
 * The merchant's notification body (documented in apps/notifier/README.md). Key order is fixed
 * (core fields, then `status`, `failure_code` and `refund_id` when set, then provider attributes sorted by name)
 * so the same event always yields the same bytes; a provider attribute never overrides a core field,
 * even one this event leaves out.
 */
export function buildPayload(event: NotificationEvent, fallbackCreated: Date): string {
  const currency = event.gross?.currency ?? event.net?.currency ?? event.fee?.currency ?? '';
  const data: Record<string, string | number> = {
    payment_id: event.paymentId,
    merchant_id: event.merchantId,
    order_id: event.orderId,
    amount: amountOf(event.gross),
    currency,
    fee: amountOf(event.fee),
    net: amountOf(event.net),
    method: event.method,
    provider: event.provider,
    provider_payment_id: event.providerPaymentId,
    ledger_transaction_id: event.ledgerTransactionId,
    description: event.description,
    sequence: jsonInteger(event.sequence),
  };
  // Present only when the event carries them, always in this place, so old events keep their bytes.
  if (event.paymentStatus) data.status = event.paymentStatus;
  if (event.failureCode) data.failure_code = event.failureCode;
  if (event.refundId) data.refund_id = event.refundId;
  const reserved = new Set<string>(CORE_DATA_KEYS);
  for (const key of Object.keys(event.providerAttributes).sort()) {
    const value = event.providerAttributes[key];
    if (!reserved.has(key) && value !== undefined) data[key] = value;
  }
  return JSON.stringify({
    id: event.eventId,
    type: event.eventType,
    created: (event.occurredAt ?? fallbackCreated).toISOString(),
    data,
  });
}

interface StoredAmount {
  amountMinor: string;
  currency: string;
}

/** A NotificationEvent as JSON: bigints as decimal strings, the time as ISO 8601. */
interface StoredEvent
  extends Omit<NotificationEvent, 'gross' | 'fee' | 'net' | 'sequence' | 'occurredAt'> {
  gross: StoredAmount | null;
  fee: StoredAmount | null;
  net: StoredAmount | null;
  sequence: string;
  occurredAt: string;
}

/**
 * What `notification_events.data` holds: enough to build any endpoint's body later (an endpoint
 * created after the event, a redelivery). Events stored before issue 10 only kept their JSON body.
 */
export type StoredEventData = { v: 1; event: StoredEvent } | { legacy_json: string };

const storeAmount = (m: EventAmount | undefined): StoredAmount | null =>
  m ? { amountMinor: m.amountMinor.toString(), currency: m.currency } : null;
const loadAmount = (m: StoredAmount | null): EventAmount | undefined =>
  m ? { amountMinor: BigInt(m.amountMinor), currency: m.currency } : undefined;

/** `receivedAt` stands in for an event without its own time, once, so every body agrees. */
export function toStoredData(event: NotificationEvent, receivedAt: Date): StoredEventData {
  return {
    v: 1,
    event: {
      ...event,
      gross: storeAmount(event.gross),
      fee: storeAmount(event.fee),
      net: storeAmount(event.net),
      sequence: event.sequence.toString(),
      occurredAt: (event.occurredAt ?? receivedAt).toISOString(),
    },
  };
}

export function fromStoredData(data: Extract<StoredEventData, { v: 1 }>): NotificationEvent {
  const e = data.event;
  return {
    ...e,
    gross: loadAmount(e.gross),
    fee: loadAmount(e.fee),
    net: loadAmount(e.net),
    sequence: BigInt(e.sequence),
    occurredAt: new Date(e.occurredAt),
  };
}

/** The body an endpoint gets for a stored event. */
export function buildBody(data: StoredEventData): string {
  if ('legacy_json' in data) return data.legacy_json;
  const event = fromStoredData(data);
  return buildPayload(event, event.occurredAt ?? new Date(0));
}
