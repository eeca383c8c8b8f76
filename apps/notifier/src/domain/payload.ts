import { isCurrencyCode, toMajorString } from '@tolem/money';

import type { BodyFormat } from './endpoint';
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
  'amount_major',
  'currency',
  'fee',
  'net',
  'method',
  'provider',
  'provider_payment_id',
  'ledger_transaction_id',
  'description',
  'sequence',
  'livemode',
  'status',
  'failure_code',
  'refund_id',
  'recurring_operation_id',
  'recurring_charge_id',
  'recurring_attempt',
  'card_binding_id',
  'receipt_id',
  'cancel_reason',
] as const;

/**
 * Provider attributes whose adapter name is not the one merchants read (docs/webhooks.md). The
 * others keep their adapter names, which are already the documented ones: `payer_phone` and
 * `keeper_mobile_payment_no` (WebMoney Keeper Mobile), `payer_purse` and `payer_wmid` (WebMoney),
 * `card_last4` (IntellectMoney card binding).
 */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  recurring_state: 'card_binding_state',
};

function amountOf(m: EventAmount | undefined): number | string {
  return jsonInteger(m?.amountMinor ?? 0n);
}

/** "1500.00" for 150000 RUB, "1500" for 1500 JPY, "1.500" for 1500 KWD; '' for a currency Tolem does not know. */
export function majorString(amountMinor: bigint, currency: string): string {
  return isCurrencyCode(currency) ? toMajorString({ amountMinor, currency }) : '';
}

/** Booleans are JSON booleans, and `true` / `false` in a form. */
type Field = readonly [string, string | number | boolean];

/**
 * The body's fields, in their fixed order (core fields, then `livemode`, `status`, `failure_code`,
 * `refund_id` and the recurring fields when set, then provider attributes sorted by their published
 * name), so the same event always yields the same bytes; a provider attribute never overrides a
 * core field, even one this event leaves out.
 */
function dataFields(event: NotificationEvent): Field[] {
  const currency = event.gross?.currency ?? event.net?.currency ?? event.fee?.currency ?? '';
  const fields: Field[] = [
    ['payment_id', event.paymentId],
    ['merchant_id', event.merchantId],
    ['order_id', event.orderId],
    ['amount', amountOf(event.gross)],
    ['amount_major', majorString(event.gross?.amountMinor ?? 0n, currency)],
    ['currency', currency],
    ['fee', amountOf(event.fee)],
    ['net', amountOf(event.net)],
    ['method', event.method],
    ['provider', event.provider],
    ['provider_payment_id', event.providerPaymentId],
    ['ledger_transaction_id', event.ledgerTransactionId],
    ['description', event.description],
    ['sequence', jsonInteger(event.sequence)],
  ];
  // Present only when the event carries them, always in this place.
  if (event.livemode !== undefined) fields.push(['livemode', event.livemode]);
  if (event.paymentStatus) fields.push(['status', event.paymentStatus]);
  if (event.failureCode) fields.push(['failure_code', event.failureCode]);
  if (event.refundId) fields.push(['refund_id', event.refundId]);
  const recurring = event.recurring;
  if (recurring) {
    fields.push(['recurring_operation_id', recurring.operationId]);
    if (recurring.chargeId) fields.push(['recurring_charge_id', recurring.chargeId]);
    if (recurring.attempt > 0) fields.push(['recurring_attempt', recurring.attempt]);
    if (recurring.bindingId) fields.push(['card_binding_id', recurring.bindingId]);
    if (recurring.receiptId) fields.push(['receipt_id', recurring.receiptId]);
    if (recurring.cancelReason) fields.push(['cancel_reason', recurring.cancelReason]);
  }
  const reserved = new Set<string>(CORE_DATA_KEYS);
  const attributes = new Map<string, string>();
  for (const [key, value] of Object.entries(event.providerAttributes)) {
    const name = ATTRIBUTE_NAMES[key] ?? key;
    if (!reserved.has(name) && value !== undefined) attributes.set(name, value);
  }
  for (const name of [...attributes.keys()].sort()) {
    fields.push([name, attributes.get(name) as string]);
  }
  return fields;
}

/** The JSON body (docs/webhooks.md): `{id, type, created, data}`. */
export function buildPayload(event: NotificationEvent, fallbackCreated: Date): string {
  return JSON.stringify({
    id: event.eventId,
    type: event.eventType,
    created: (event.occurredAt ?? fallbackCreated).toISOString(),
    data: Object.fromEntries(dataFields(event)),
  });
}

/**
 * The form body (application/x-www-form-urlencoded, the style WebMoney and Web-Oplata result
 * scripts read from $_POST): `event_id`, `event_type`, `created`, then the JSON body's data fields
 * with the same names, in the same order.
 */
export function buildFormPayload(event: NotificationEvent, fallbackCreated: Date): string {
  return formEncode([
    ['event_id', event.eventId],
    ['event_type', event.eventType],
    ['created', (event.occurredAt ?? fallbackCreated).toISOString()],
    ...dataFields(event),
  ]);
}

function formEncode(fields: readonly Field[]): string {
  return new URLSearchParams(fields.map(([k, v]): [string, string] => [k, String(v)])).toString();
}

/** A pre-issue-10 JSON body as form fields (its `data` was already flat). */
function legacyForm(json: string): string {
  const body = JSON.parse(json) as {
    id?: string;
    type?: string;
    created?: string;
    data?: Record<string, string | number>;
  };
  return formEncode([
    ['event_id', body.id ?? ''],
    ['event_type', body.type ?? ''],
    ['created', body.created ?? ''],
    ...Object.entries(body.data ?? {}),
  ]);
}

interface StoredAmount {
  amountMinor: string;
  currency: string;
}

/** A NotificationEvent as JSON: bigints as decimal strings, the time as ISO 8601. */
interface StoredEvent
  extends Omit<
    NotificationEvent,
    'gross' | 'fee' | 'net' | 'sequence' | 'occurredAt' | 'livemode'
  > {
  /** Absent from events stored before payment events had a mode. */
  livemode?: boolean;
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

/** A stored event's mode; one from before payment events had a mode is test, as everywhere. */
export function livemodeOf(data: StoredEventData): boolean {
  return 'legacy_json' in data ? false : (data.event.livemode ?? false);
}

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
    livemode: e.livemode,
    gross: loadAmount(e.gross),
    fee: loadAmount(e.fee),
    net: loadAmount(e.net),
    sequence: BigInt(e.sequence),
    occurredAt: new Date(e.occurredAt),
  };
}

/** The body an endpoint in this format gets for a stored event: the same bytes every time. */
export function buildBody(data: StoredEventData, format: BodyFormat): string {
  if ('legacy_json' in data) {
    return format === 'json' ? data.legacy_json : legacyForm(data.legacy_json);
  }
  const event = fromStoredData(data);
  const created = event.occurredAt ?? new Date(0);
  return format === 'json' ? buildPayload(event, created) : buildFormPayload(event, created);
}
