import type { Money } from '@tolem/money';

import type { PaymentMethod, PaymentProvider } from './payment';
import type { PaymentRecord } from './payment-record';

/** Facts checkout records through RecordPaymentEvent: they move no money. */
export const STATUS_EVENT_TYPES = {
  'payment.pending': 'pending',
  'payment.failed': 'failed',
  'payment.expired': 'expired',
  'payment.canceled': 'canceled',
  'payment.requires_review': 'requires_review',
} as const;
export type StatusEventType = keyof typeof STATUS_EVENT_TYPES;

export function isStatusEventType(type: string): type is StatusEventType {
  return Object.prototype.hasOwnProperty.call(STATUS_EVENT_TYPES, type);
}

/**
 * Facts the recurring service records through RecordPaymentEvent: they move no money and leave
 * the payment's status as it is, so they are written whatever the payment's money did (a
 * `recurring.charge.succeeded` comes after its payment was posted).
 */
export const RECURRING_EVENT_TYPES = [
  'recurring.charge.succeeded',
  'recurring.charge.failed',
  'recurring.charge.abandoned',
  'recurring.operation.canceled',
] as const;
export type RecurringEventType = (typeof RECURRING_EVENT_TYPES)[number];

export function isRecurringEventType(type: string): type is RecurringEventType {
  return (RECURRING_EVENT_TYPES as readonly string[]).includes(type);
}

/** Why a scheduled operation was canceled (`recurring.operation.canceled`). */
export const RECURRING_CANCEL_REASONS = ['merchant', 'binding_revoked', 'hard_decline'] as const;

/** The recurring ids of a `recurring.*` event (PaymentEvent fields 24–29); '' / 0 when absent. */
export interface RecurringDetails {
  /** `sop_…`, always present. */
  operationId: string;
  /** `chg_…` */
  chargeId: string;
  /** 1-based; 0 when the fact is not about an attempt. */
  attempt: number;
  /** `cbd_…` */
  bindingId: string;
  /** `rct_…`: recurring.charge.succeeded. */
  receiptId: string;
  /** recurring.operation.canceled: one of RECURRING_CANCEL_REASONS. */
  cancelReason: string;
}

export type PaymentEventType =
  | StatusEventType
  | RecurringEventType
  | 'payment.succeeded'
  | 'refund.pending'
  | 'refund.succeeded'
  | 'refund.failed'
  | 'payment.held'
  | 'payment.hold_voided'
  | 'payout.succeeded'
  | 'payment.reversed'
  | 'refund.reversed'
  | 'payout.reversed'
  | 'funds.unapplied'
  | 'payment.funds_applied'
  | 'funds.returned'
  | 'case.opened'
  | 'case.resolved';

/**
 * A payment event as the use case decides it. The journal adds what only the write knows: the
 * event id, the next sequence number of its key and the ledger transaction id.
 *
 * Amounts per type: payment.succeeded gross / fee / net of the payment; refund.* the refund's
 * amount as gross and net (refund.pending: the merchant is debited it; refund.failed: credited
 * back) and a zero fee (fees are not returned); payment.held and payment.hold_voided the held
 * amount as gross, zero fee and net (nothing became available); payout.succeeded the amount as
 * gross and net; *.reversed the amounts of the transaction reversed.
 */
export interface PaymentEventDraft {
  eventType: PaymentEventType;
  occurredAt: Date;
  /** The event's Kafka key: the payment id, or the payout id for payout events. */
  paymentId: string;
  merchantId: string;
  orderId: string;
  /** The payment's mode (PaymentDetails.livemode); a payout's is its balance's mode. */
  livemode: boolean;
  gross: Money;
  fee: Money;
  net: Money;
  /** Null for payouts. */
  method: PaymentMethod | null;
  provider: PaymentProvider | null;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  description: string;
  /** The payment's status after the event; '' when the event does not change it. */
  paymentStatus: string;
  /** payment.failed, refund.failed: the provider's or Tolem's reason code; '' otherwise. */
  failureCode: string;
  /** refund.*: the refund (`re_…`); absent otherwise. */
  refundId?: string;
  /** Events of a case (its money, its opening and resolution): the case; absent otherwise. */
  caseId?: string;
  caseKind?: string;
  /** case.resolved: applied or returned. */
  caseResolution?: string;
  /** recurring.*: the operation, charge, attempt, binding, receipt and cancel reason. */
  recurring?: RecurringDetails;
}

/** The event as written to the outbox. */
export interface PaymentEventRecord extends PaymentEventDraft {
  /** `evt_…` */
  eventId: string;
  /** 1, 2, … per key, in the order its events were written. */
  sequence: bigint;
  ledgerTransactionId: string;
}

/**
 * The status a money event leaves its payment in: succeeded once paid (or captured), refunded or
 * partially_refunded after a refund (record = the register row after the refund), '' for events
 * that do not change what the merchant sees (holds, reversals).
 */
function statusAfter(eventType: PaymentEventType, record: PaymentRecord): string {
  switch (eventType) {
    case 'payment.succeeded':
      return 'succeeded';
    case 'refund.succeeded':
      return record.refundedMinor >= record.grossMinor ? 'refunded' : 'partially_refunded';
    default:
      return '';
  }
}

/** An event of a payment already in the register, with the given amounts. */
export function paymentEvent(
  eventType: PaymentEventType,
  record: PaymentRecord,
  amounts: { gross: Money; fee: Money; net: Money },
  occurredAt: Date,
): PaymentEventDraft {
  return {
    eventType,
    occurredAt,
    paymentId: record.paymentId,
    merchantId: record.merchantId,
    orderId: record.orderId,
    livemode: record.livemode,
    ...amounts,
    method: record.method,
    provider: record.provider,
    providerPaymentId: record.providerPaymentId,
    providerAttributes: { ...record.providerAttributes },
    description: record.description,
    paymentStatus: statusAfter(eventType, record),
    failureCode: '',
  };
}
