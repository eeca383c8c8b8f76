import { utcDay } from './daily-totals';
import { reportingErrors } from './errors';
import type { ReportEvent } from './payment-fact';

/** A refund's status as its events say: `refund.pending` -> `refund.succeeded` | `refund.failed`. */
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

const STATUS_BY_TYPE: ReadonlyMap<string, RefundStatus> = new Map([
  ['refund.pending', 'pending'],
  ['refund.succeeded', 'succeeded'],
  ['refund.failed', 'failed'],
]);

/** The refund's own events (they carry its refund_id); `refund.reversed` is a ledger correction. */
export function refundStatusOf(eventType: string): RefundStatus | undefined {
  return STATUS_BY_TYPE.get(eventType);
}

/**
 * One refund, its own row: a refund never changes its payment's gross, fee or day. Its amount is
 * integer minor units of `currency`; its day is that of its latest status change.
 */
export interface RefundFact {
  refundId: string;
  paymentId: string;
  merchantId: string;
  amountMinor: bigint;
  currency: string;
  status: RefundStatus;
  /** Sequence (of the payment's events) of the event that set `status`. */
  statusSequence: bigint;
  method: string;
  provider: string;
  /** refund.failed: why. */
  failureCode: string;
  /** When the latest status change happened: the refund's day in daily totals. */
  statusAt: Date;
  /** refund.pending: when the merchant's balance was debited; null until that event is seen. */
  requestedAt: Date | null;
  /** refund.succeeded / refund.failed; null while pending. */
  resolvedAt: Date | null;
  lastSequence: bigint;
  updatedAt: Date;
  /** The payment's mode, as its refund events say it (only `true` is news, as for the payment). */
  livemode: boolean;
}

export function refundDay(r: RefundFact): string {
  return utcDay(r.statusAt);
}

/**
 * The refund after one of its events (the caller applies each payment sequence once). The newest
 * event decides the status and day, so a late `refund.pending` never reopens a resolved refund;
 * the other fields fill in whatever the order. A refund event without refund_id is from before
 * the field existed and has no row (REPORTING_BAD_EVENT is raised only for one that names another
 * payment's refund).
 */
export function applyRefundEvent(
  existing: RefundFact | undefined,
  event: ReportEvent,
  now: Date,
): RefundFact | undefined {
  const status = refundStatusOf(event.eventType);
  if (!status || !event.refundId) return existing;
  if (existing && existing.paymentId !== event.paymentId) {
    throw reportingErrors.create('REPORTING_BAD_EVENT', 'the refund belongs to another payment', {
      details: { refund_id: event.refundId },
    });
  }
  const at = event.occurredAt ?? now;
  const amount = event.gross ?? event.net;
  const r: RefundFact = existing
    ? { ...existing, updatedAt: now }
    : {
        refundId: event.refundId,
        paymentId: event.paymentId,
        merchantId: event.merchantId,
        amountMinor: amount?.amountMinor ?? 0n,
        currency: amount?.currency ?? '',
        status,
        statusSequence: 0n,
        method: event.method,
        provider: event.provider,
        failureCode: '',
        statusAt: at,
        requestedAt: null,
        resolvedAt: null,
        lastSequence: event.sequence,
        updatedAt: now,
        livemode: event.livemode,
      };
  if (amount && amount.amountMinor > 0n) {
    r.amountMinor = amount.amountMinor;
    r.currency = amount.currency || r.currency;
  }
  r.method = r.method || event.method;
  r.livemode = r.livemode || event.livemode;
  r.provider = r.provider || event.provider;
  if (status === 'pending') r.requestedAt = at;
  else r.resolvedAt = at;
  if (event.sequence > r.statusSequence) {
    r.status = status;
    r.statusSequence = event.sequence;
    r.statusAt = at;
    r.failureCode = status === 'failed' ? event.failureCode : '';
  }
  if (event.sequence > r.lastSequence) r.lastSequence = event.sequence;
  return r;
}
