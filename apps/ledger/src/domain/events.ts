import type { Money } from '@tolem/money';

import type { PaymentMethod, PaymentPosting, PaymentProvider } from './payment';

export type PaymentEventType = 'payment.succeeded';

/**
 * A payment event as the use case decides it. The journal adds what only the write knows: the
 * event id, the payment's next sequence number and the ledger transaction id.
 */
export interface PaymentEventDraft {
  eventType: PaymentEventType;
  occurredAt: Date;
  paymentId: string;
  merchantId: string;
  orderId: string;
  gross: Money;
  fee: Money;
  net: Money;
  method: PaymentMethod;
  provider: PaymentProvider;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  description: string;
}

/** The event as written to the outbox. */
export interface PaymentEventRecord extends PaymentEventDraft {
  /** `evt_…` */
  eventId: string;
  /** 1, 2, … per payment, in the order its events were written. */
  sequence: bigint;
  ledgerTransactionId: string;
}

export function paymentSucceeded(p: PaymentPosting, now: Date): PaymentEventDraft {
  return {
    eventType: 'payment.succeeded',
    occurredAt: p.occurredAt ?? now,
    paymentId: p.paymentId,
    merchantId: p.merchantId,
    orderId: p.orderId,
    gross: p.gross,
    fee: p.fee,
    net: p.net,
    method: p.method,
    provider: p.provider,
    providerPaymentId: p.providerPaymentId,
    providerAttributes: { ...p.providerAttributes },
    description: p.description,
  };
}
