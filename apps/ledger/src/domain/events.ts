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

export type PaymentEventType =
  | StatusEventType
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
 * Amounts per type: payment.succeeded gross / fee / net of the payment; refund.* the
 * refund's amount as gross and net (refund.pending: the merchant is debited it; refund.failed:
 * credited back) and a zero fee (fees are not returned); payment.held and payment.hold_voided the held amount as gross, zero fee and net
 * (nothing became available); payout.succeeded the amount as gross and net; *.reversed the
 * amounts of the transaction reversed.
 */
export interface PaymentEventDraft {
  eventType: PaymentEventType;
  occurredAt: Date;
  /** The event's Kafka key: the payment id, or the payout id for payout events. */
  paymentId: string;
  merchantId: string;
  orderId: string;
  /** The payment's mode (PaymentDetails.livemode); true for payouts. */
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
