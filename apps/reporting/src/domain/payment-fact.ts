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
  /** The payment's status after the event; empty when the event does not change it (or predates the field). */
  paymentStatus: string;
  /** `payment.failed`: the provider's or Tolem's reason code. */
  failureCode: string;
  /** Case events and the money events of a case: the case (`case_…`). */
  caseId: string;
  /** Why the money did not match its payment (`duplicate_payment`, `late_payment`, …). */
  caseKind: string;
  /** `case.resolved`: `applied` or `returned`. */
  caseResolution: string;
}

/** One row of the reporting database: a payment as of the latest event applied to it. */
export interface PaymentFact {
  paymentId: string;
  merchantId: string;
  orderId: string;
  /** Empty only for a fact whose events never said its status (it was first seen by a case event). */
  status: string;
  /** Why it failed (from the event that set the status); empty otherwise. */
  failureCode: string;
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
// For events without payment_status (published before it existed): the status their type implied.
// The ledger's types that implied none keep their type as the status, as they always did.
const STATUS_BY_EVENT_TYPE: ReadonlyMap<string, string> = new Map([
  ['payment.created', 'created'],
  ['payment.pending', 'pending'],
  ['payment.succeeded', 'succeeded'],
  ['payment.failed', 'failed'],
  ['payment.expired', 'expired'],
  ['payment.canceled', 'canceled'],
  ['payment.requires_review', 'requires_review'],
  ['refund.succeeded', 'refunded'],
  ['recurring.charge.succeeded', 'succeeded'],
  ['recurring.charge.failed', 'failed'],
  ['payment.held', 'payment.held'],
  ['payment.hold_voided', 'payment.hold_voided'],
  ['payment.reversed', 'payment.reversed'],
  ['refund.reversed', 'refund.reversed'],
  ['payout.succeeded', 'payout.succeeded'],
  ['payout.reversed', 'payout.reversed'],
]);

/**
 * Status facts recorded by checkout: no money moved, so gross is the payment's amount and fee and
 * net are zero. They set the gross but never the fee or net, so a status fact could not erase what
 * a payment earned. (Once a payment succeeded, only refunds, reversals and cases follow in its
 * sequence, none of them a status fact; this guards against a producer breaking that rule.)
 */
const STATUS_FACT_TYPES: ReadonlySet<string> = new Set([
  'payment.created',
  'payment.pending',
  'payment.failed',
  'payment.expired',
  'payment.canceled',
  'payment.requires_review',
]);

/**
 * The status an event leaves the payment in, or undefined when it leaves the status as it was: its
 * payment_status when set; else, for an event predating that field, the status its type implied;
 * else (a case event, money applied to a payment that had already succeeded, a type added later
 * that does not change the status) none.
 */
export function statusOf(
  event: Pick<ReportEvent, 'eventType' | 'paymentStatus'>,
): string | undefined {
  return event.paymentStatus || STATUS_BY_EVENT_TYPE.get(event.eventType);
}

/**
 * The fact after an event, or undefined when the event changes nothing: its sequence is not newer
 * than the fact's (a duplicate or a late, out-of-order event). An event that sets the status also
 * sets the amounts it carries (a status fact only the gross) and the fact's day; fields it leaves
 * empty keep their previous values, and provider attributes accumulate, the newer value winning.
 * An event that does not set the status (see {@link statusOf}) only moves the fact's position
 * (last sequence and event id), so ordering and deduplication stay right: its money belongs to a
 * case, not to the payment's own amounts.
 */
export function applyEvent(
  existing: PaymentFact | undefined,
  event: ReportEvent,
  now: Date,
): PaymentFact | undefined {
  if (existing && event.sequence <= existing.lastSequence) return undefined;
  const status = statusOf(event);
  if (status === undefined) {
    return {
      ...(existing ?? firstSeenWithoutStatus(event, now)),
      lastEventId: event.eventId,
      lastSequence: event.sequence,
      updatedAt: now,
    };
  }
  const statusOnly = STATUS_FACT_TYPES.has(event.eventType);
  const fee = statusOnly ? undefined : event.fee;
  const net = statusOnly ? undefined : event.net;
  return {
    paymentId: event.paymentId,
    merchantId: event.merchantId || (existing?.merchantId ?? ''),
    orderId: event.orderId || (existing?.orderId ?? ''),
    status,
    failureCode: event.failureCode,
    grossMinor: event.gross?.amountMinor ?? existing?.grossMinor ?? 0n,
    feeMinor: fee?.amountMinor ?? existing?.feeMinor ?? 0n,
    netMinor: net?.amountMinor ?? existing?.netMinor ?? 0n,
    currency: event.gross?.currency || net?.currency || fee?.currency || (existing?.currency ?? ''),
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

/**
 * A payment first seen through an event that does not say its status (its earlier events were
 * never consumed): who it belongs to, with no status and no amounts yet.
 */
function firstSeenWithoutStatus(event: ReportEvent, now: Date): PaymentFact {
  return {
    paymentId: event.paymentId,
    merchantId: event.merchantId,
    orderId: event.orderId,
    status: '',
    failureCode: '',
    grossMinor: 0n,
    feeMinor: 0n,
    netMinor: 0n,
    currency: event.gross?.currency ?? '',
    method: event.method,
    provider: event.provider,
    providerPaymentId: '',
    providerAttributes: {},
    lastEventId: event.eventId,
    lastSequence: event.sequence,
    occurredAt: event.occurredAt ?? now,
    updatedAt: now,
  };
}
