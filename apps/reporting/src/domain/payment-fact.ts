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
  /** `refund.*`: the refund (`re_…`); absent or empty otherwise. */
  refundId?: string;
  /** False for a test payment's event, and for one from before modes (the field absent). */
  livemode: boolean;
}

/** One status the payment went through, from the event that set it. */
export interface StatusChange {
  status: string;
  eventType: string;
  sequence: bigint;
  occurredAt: Date;
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
  /**
   * When the event that last set the payment's amounts happened (its latest status change other
   * than a refund's); it decides the fact's day in daily totals. A refund never moves it.
   */
  occurredAt: Date;
  updatedAt: Date;
  /** The earliest event time seen for the payment. */
  createdAt: Date;
  /** Every status change, by sequence; late events are inserted in their place. */
  history: StatusChange[];
  /**
   * Every sequence applied to the fact, ascending. A sequence seen before changes nothing, so a
   * duplicate is harmless even without the consumer's dedupe, and a late (lower) one still
   * fills in what it alone carries.
   */
  seenSequences: bigint[];
  /** Sequence of the event that set `status` (a lower one never overwrites it). */
  statusSequence: bigint;
  /** Sequence of the event that set gross, currency and the day. */
  amountsSequence: bigint;
  /** Sequence of the event that set fee and net (status facts carry none). */
  feeSequence: bigint;
  /**
   * True once any of the payment's events said live. Every event of a payment carries its mode,
   * but one from before modes reads as false (proto3 cannot tell absent from false), so only
   * `true` is news: a live payment stays live whatever the order of its events.
   */
  livemode: boolean;
}

// A Map, not an object literal: an event type like `constructor` must not hit Object.prototype.
// For events without payment_status (published before it existed): the status their type implied.
// The ledger's types that implied none keep their type as the status, as they always did.
// `recurring.*` is not here: those events (issue 11) always came without a status and leave the
// payment's as it is; mapped, a `recurring.charge.succeeded` (after its payment was posted) would
// be a second amounts event with no fee and would zero the payment's fee and net.
const STATUS_BY_EVENT_TYPE: ReadonlyMap<string, string> = new Map([
  ['payment.created', 'created'],
  ['payment.pending', 'pending'],
  ['payment.succeeded', 'succeeded'],
  ['payment.failed', 'failed'],
  ['payment.expired', 'expired'],
  ['payment.canceled', 'canceled'],
  ['payment.requires_review', 'requires_review'],
  ['refund.succeeded', 'refunded'],
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

/** Refund events: they change the payment's status, never its gross, fee, net or day. */
export function isRefundEvent(eventType: string): boolean {
  return eventType.startsWith('refund.') && eventType !== 'refund.reversed';
}

function insertSorted(seen: readonly bigint[], sequence: bigint): bigint[] {
  return [...seen, sequence].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The fact after an event, or undefined when the event's sequence was applied before (a
 * duplicate). Each part of the fact is owned by the newest event that sets it, so events may come
 * in any order and end in the same fact, and a late (lower-sequence) event never overwrites what a
 * newer one set:
 * - status (and failure code): the newest event that sets a status (see {@link statusOf});
 * - gross, currency and the fact's day: the newest such event that is not a refund (a refund has
 *   its own row and never changes what the payment was);
 * - fee and net: the newest such event that is neither a refund nor a status fact (status facts
 *   carry no fee, so they could erase what a payment earned);
 * - position (last sequence and event id): the newest event of any kind;
 * - descriptive fields (order, method, provider, attributes): the newest status-setting event; a
 *   field still empty is filled by whichever event carries it; provider attributes accumulate.
 * Events that set no status (cases, holds…) change none of the money: it belongs to a case.
 */
export function applyEvent(
  existing: PaymentFact | undefined,
  event: ReportEvent,
  now: Date,
): PaymentFact | undefined {
  if (existing?.seenSequences.includes(event.sequence)) return undefined;
  const base = existing ?? firstSeen(event, now);
  const at = event.occurredAt ?? now;
  const status = statusOf(event);
  const newest = !existing || event.sequence > existing.lastSequence;
  // Descriptive fields follow the newest status-setting event; any other event only fills gaps.
  const overrides = newest && status !== undefined;
  const next: PaymentFact = {
    ...base,
    merchantId: base.merchantId || event.merchantId,
    livemode: base.livemode || event.livemode,
    orderId: pick(base.orderId, event.orderId, overrides),
    method: pick(base.method, event.method, overrides),
    provider: pick(base.provider, event.provider, overrides),
    providerPaymentId: pick(base.providerPaymentId, event.providerPaymentId, overrides),
    providerAttributes:
      status === undefined
        ? base.providerAttributes
        : overrides
          ? { ...base.providerAttributes, ...event.providerAttributes }
          : { ...event.providerAttributes, ...base.providerAttributes },
    lastEventId: newest ? event.eventId : base.lastEventId,
    lastSequence: newest ? event.sequence : base.lastSequence,
    createdAt: existing && existing.createdAt <= at ? existing.createdAt : at,
    seenSequences: insertSorted(existing?.seenSequences ?? [], event.sequence),
    updatedAt: now,
  };
  if (status === undefined) return next;
  next.history = [
    ...base.history,
    { status, eventType: event.eventType, sequence: event.sequence, occurredAt: at },
  ].sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
  if (event.sequence > base.statusSequence) {
    next.status = status;
    next.statusSequence = event.sequence;
    if (!isRefundEvent(event.eventType)) next.failureCode = event.failureCode;
  }
  if (isRefundEvent(event.eventType)) return next;
  if (event.sequence > base.amountsSequence) {
    next.amountsSequence = event.sequence;
    next.grossMinor = event.gross?.amountMinor ?? base.grossMinor;
    next.currency = event.gross?.currency || event.net?.currency || base.currency;
    next.occurredAt = at;
  }
  if (!STATUS_FACT_TYPES.has(event.eventType) && event.sequence > base.feeSequence) {
    next.feeSequence = event.sequence;
    next.feeMinor = event.fee?.amountMinor ?? base.feeMinor;
    next.netMinor = event.net?.amountMinor ?? base.netMinor;
    next.currency = next.currency || event.fee?.currency || '';
  }
  return next;
}

/** A non-empty value of the event wins when it overrides; otherwise it only fills an empty field. */
function pick(current: string, incoming: string, overrides: boolean): string {
  if (!incoming) return current;
  return overrides || !current ? incoming : current;
}

/** A payment's first event, before applying it: who it belongs to, no status, no amounts yet. */
function firstSeen(event: ReportEvent, now: Date): PaymentFact {
  const at = event.occurredAt ?? now;
  return {
    paymentId: event.paymentId,
    merchantId: event.merchantId,
    orderId: '',
    status: '',
    failureCode: '',
    grossMinor: 0n,
    feeMinor: 0n,
    netMinor: 0n,
    currency: event.gross?.currency ?? '',
    method: '',
    provider: '',
    providerPaymentId: '',
    providerAttributes: {},
    lastEventId: event.eventId,
    lastSequence: event.sequence,
    occurredAt: at,
    updatedAt: now,
    createdAt: at,
    history: [],
    seenSequences: [],
    statusSequence: 0n,
    amountsSequence: 0n,
    feeSequence: 0n,
    livemode: event.livemode,
  };
}
