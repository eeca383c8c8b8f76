import { reportingErrors } from './errors';
import type { ReportEvent } from './payment-fact';

/**
 * The money of one case of a payment: verified money that did not match its payment, held in
 * unapplied funds until it is credited to the merchant or returned to the payer. Amounts are
 * integer minor units of `currency`. Still held = received - applied gross - returned.
 */
export interface PaymentCase {
  caseId: string;
  paymentId: string;
  merchantId: string;
  /** `duplicate_payment`, `late_payment`, `amount_mismatch`, …; empty until an event names it. */
  caseKind: string;
  currency: string;
  /** The payment's method (from the case's events); empty until one carries it. */
  method: string;
  /** Money received into unapplied funds (`funds.unapplied`). */
  receivedMinor: bigint;
  /** Money credited to the merchant (`payment.funds_applied`): what the payer paid, Tolem's fee, net. */
  appliedGrossMinor: bigint;
  appliedFeeMinor: bigint;
  appliedNetMinor: bigint;
  /** Money returned to the payer (`funds.returned`). */
  returnedMinor: bigint;
  /**
   * True when the money was applied to a payment that had already succeeded, so the payment's own
   * amounts do not include it and daily totals count it by itself, on the day of `appliedAt`.
   * False when applying it made the payment succeed: it is then the payment's own amounts.
   */
  appliedOnTop: boolean;
  appliedAt: Date | null;
  /** `applied` or `returned` once resolved; empty while open. */
  resolution: string;
  openedAt: Date;
  resolvedAt: Date | null;
  updatedAt: Date;
  /** The payment's mode, as the case's events say it (only `true` is news, as for the payment). */
  livemode: boolean;
}

/** The events that belong to a case (they carry its case_id). */
const CASE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'funds.unapplied',
  'funds.returned',
  'payment.funds_applied',
  'case.opened',
  'case.resolved',
]);

export function isCaseEvent(eventType: string): boolean {
  return CASE_EVENT_TYPES.has(eventType);
}

/** Money still in unapplied funds. */
export function heldMinor(c: PaymentCase): bigint {
  return c.receivedMinor - c.appliedGrossMinor - c.returnedMinor;
}

/**
 * The case after one of its events (called once per payment sequence, so a duplicate never counts
 * twice, and a late event still counts). Amounts accumulate; the kind and currency stay
 * once known. A case event without case_id, or with a case of another payment, can never be
 * applied: REPORTING_BAD_EVENT (DLQ).
 */
export function applyCaseEvent(
  existing: PaymentCase | undefined,
  event: ReportEvent,
  now: Date,
): PaymentCase {
  if (!event.caseId) {
    throw reportingErrors.create('REPORTING_BAD_EVENT', `${event.eventType} needs a case_id`);
  }
  if (existing && existing.paymentId !== event.paymentId) {
    throw reportingErrors.create('REPORTING_BAD_EVENT', 'the case belongs to another payment', {
      details: { case_id: event.caseId },
    });
  }
  const at = event.occurredAt ?? now;
  const c: PaymentCase = existing
    ? { ...existing, updatedAt: now }
    : {
        caseId: event.caseId,
        paymentId: event.paymentId,
        merchantId: event.merchantId,
        caseKind: '',
        currency: '',
        method: '',
        receivedMinor: 0n,
        appliedGrossMinor: 0n,
        appliedFeeMinor: 0n,
        appliedNetMinor: 0n,
        returnedMinor: 0n,
        appliedOnTop: false,
        appliedAt: null,
        resolution: '',
        openedAt: at,
        resolvedAt: null,
        updatedAt: now,
        livemode: event.livemode,
      };
  c.caseKind = event.caseKind || c.caseKind;
  c.method = c.method || event.method;
  c.livemode = c.livemode || event.livemode;
  c.currency = c.currency || event.gross?.currency || event.net?.currency || '';
  const gross = event.gross?.amountMinor ?? 0n;
  switch (event.eventType) {
    case 'funds.unapplied':
      c.receivedMinor += gross;
      break;
    case 'funds.returned':
      c.returnedMinor += gross;
      break;
    case 'payment.funds_applied':
      c.appliedGrossMinor += gross;
      c.appliedFeeMinor += event.fee?.amountMinor ?? 0n;
      c.appliedNetMinor += event.net?.amountMinor ?? 0n;
      // A case is applied once; no payment_status means the payment had already succeeded.
      c.appliedOnTop = event.paymentStatus === '';
      c.appliedAt = at;
      break;
    case 'case.resolved':
      c.resolution = event.caseResolution;
      c.resolvedAt = at;
      break;
    default:
      break;
  }
  return c;
}
