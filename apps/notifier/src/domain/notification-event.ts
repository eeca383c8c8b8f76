/** An amount as it arrives on an event: integer minor units, currency passed through untouched. */
export interface EventAmount {
  amountMinor: bigint;
  currency: string;
}

/** What the notifier needs of a payment event (decoded from `tolem.events.v1.PaymentEvent`). */
export interface NotificationEvent {
  eventId: string;
  eventType: string;
  occurredAt: Date | undefined;
  paymentId: string;
  merchantId: string;
  orderId: string;
  gross: EventAmount | undefined;
  fee: EventAmount | undefined;
  net: EventAmount | undefined;
  /** Lower-case method string, e.g. `webmoney_keeper_mobile`; empty when unspecified. */
  method: string;
  /** Lower-case provider string, e.g. `webmoney`; empty when unspecified. */
  provider: string;
  providerPaymentId: string;
  ledgerTransactionId: string;
  description: string;
  /** Position among the payment's events (from 1); notifications of a payment go out in this order. */
  sequence: bigint;
  /** The payment's status after the event (`succeeded`, `failed`, …); empty when it does not change it. */
  paymentStatus: string;
  /** `payment.failed`: the provider's or Tolem's reason code; empty otherwise. */
  failureCode: string;
  /** `refund.*`: the refund (`re_…`); absent or empty otherwise. */
  refundId?: string;
  providerAttributes: Record<string, string>;
}
