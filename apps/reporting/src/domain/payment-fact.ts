/** An amount as it arrives on an event: integer minor units, currency passed through. */
export interface EventAmount {
  amountMinor: bigint;
  currency: string;
}

/** What reporting needs of a payment event (decoded from `tolem.events.v1.PaymentEvent`). */
export interface ReportEvent {
  eventId: string;
  eventType: string;
  occurredAt: Date | undefined;
  paymentId: string;
  merchantId: string;
  orderId: string;
  gross: EventAmount | undefined;
  fee: EventAmount | undefined;
  net: EventAmount | undefined;
  /** Lower-case method string (`webmoney_purse`, …); empty when unspecified. */
  method: string;
  /** Lower-case provider string (`webmoney`, …); empty when unspecified. */
  provider: string;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  sequence: bigint;
}

/** One row of the reporting database: a payment as of the latest event applied to it. */
export interface PaymentFact {
  paymentId: string;
  merchantId: string;
  orderId: string;
  status: string;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
  currency: string;
  method: string;
  provider: string;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  lastEventId: string;
  lastSequence: bigint;
  /** When the latest applied event happened; it decides the fact's day in daily totals. */
  occurredAt: Date;
  updatedAt: Date;
}

// A Map, not an object literal: an event type like `constructor` must not hit Object.prototype.
const STATUS_BY_EVENT_TYPE: ReadonlyMap<string, string> = new Map([
  ['payment.created', 'created'],
  ['payment.pending', 'pending'],
  ['payment.succeeded', 'succeeded'],
  ['payment.failed', 'failed'],
  ['payment.expired', 'expired'],
  ['payment.canceled', 'canceled'],
  ['refund.succeeded', 'refunded'],
  ['recurring.charge.succeeded', 'succeeded'],
  ['recurring.charge.failed', 'failed'],
]);

/**
 * The fact status an event type leaves the payment in. An unknown type is kept verbatim as the
 * status, so a new event type shows up in reports instead of disappearing.
 */
export function statusOf(eventType: string): string {
  return STATUS_BY_EVENT_TYPE.get(eventType) ?? eventType;
}

/**
 * The fact after an event, or undefined when the event changes nothing: its sequence is not newer
 * than the fact's (a duplicate or a late, out-of-order event). Fields the event leaves empty keep
 * their previous values; provider attributes accumulate, the newer value winning.
 */
export function applyEvent(
  existing: PaymentFact | undefined,
  event: ReportEvent,
  now: Date,
): PaymentFact | undefined {
  if (existing && event.sequence <= existing.lastSequence) return undefined;
  return {
    paymentId: event.paymentId,
    merchantId: event.merchantId || (existing?.merchantId ?? ''),
    orderId: event.orderId || (existing?.orderId ?? ''),
    status: statusOf(event.eventType),
    grossMinor: event.gross?.amountMinor ?? existing?.grossMinor ?? 0n,
    feeMinor: event.fee?.amountMinor ?? existing?.feeMinor ?? 0n,
    netMinor: event.net?.amountMinor ?? existing?.netMinor ?? 0n,
    currency:
      event.gross?.currency ||
      event.net?.currency ||
      event.fee?.currency ||
      (existing?.currency ?? ''),
    method: event.method || (existing?.method ?? ''),
    provider: event.provider || (existing?.provider ?? ''),
    providerPaymentId: event.providerPaymentId || (existing?.providerPaymentId ?? ''),
    providerAttributes: { ...(existing?.providerAttributes ?? {}), ...event.providerAttributes },
    lastEventId: event.eventId,
    lastSequence: event.sequence,
    occurredAt: event.occurredAt ?? now,
    updatedAt: now,
  };
}
