import type { Money } from '@tolem/money';

import type { PaymentMethod, PaymentProvider } from './payment';
import type { PaymentRecord } from './payment-record';

export type PaymentEventType =
  | 'payment.succeeded'
  | 'refund.succeeded'
  | 'payment.held'
  | 'payment.hold_voided'
  | 'payout.succeeded'
  | 'payment.reversed'
  | 'refund.reversed'
  | 'payout.reversed';

/**
 * A payment event as the use case decides it. The journal adds what only the write knows: the
 * event id, the next sequence number of its key and the ledger transaction id.
 *
 * Amounts per type: payment.succeeded gross / fee / net of the payment; refund.succeeded the
 * refunded amount as gross and net (the merchant is debited it) and a zero fee (fees are not
 * returned); payment.held and payment.hold_voided the held amount as gross, zero fee and net
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
  gross: Money;
  fee: Money;
  net: Money;
  /** Null for payouts. */
  method: PaymentMethod | null;
  provider: PaymentProvider | null;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  description: string;
}

/** The event as written to the outbox. */
export interface PaymentEventRecord extends PaymentEventDraft {
  /** `evt_…` */
  eventId: string;
  /** 1, 2, … per key, in the order its events were written. */
  sequence: bigint;
  ledgerTransactionId: string;
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
    ...amounts,
    method: record.method,
    provider: record.provider,
    providerPaymentId: record.providerPaymentId,
    providerAttributes: { ...record.providerAttributes },
    description: record.description,
  };
}
