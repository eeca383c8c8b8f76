import type { PaymentMethodName, ProviderName } from '@tolem/catalog';
import type { Money } from '@tolem/money';

/**
 * A `tolem.events.v1.PaymentEvent` as the consuming services' domains see it (decoded by
 * kafka-kit's `startPaymentEventsConsumer`). Amounts are Money: a currency Tolem does not handle
 * never reaches a domain (the consumer sends such an event to the DLQ). A string field the
 * producer left out is empty, as in proto3.
 */
export interface PaymentEvent {
  /** `evt_…`; the Kafka `event-id` header when set (the consumer deduplicates on it). */
  eventId: string;
  /** The `event-type` header when set, else the payload's. */
  eventType: string;
  occurredAt: Date | undefined;
  paymentId: string;
  merchantId: string;
  orderId: string;
  /**
   * False for a test key's payment (no real money moved); true for a live one and for payouts.
   * An event produced before the field existed reads as false.
   */
  livemode: boolean;
  /** What the customer paid. */
  gross: Money | undefined;
  /** Tolem's fee. */
  fee: Money | undefined;
  /** What the merchant's balance received: gross - fee. */
  net: Money | undefined;
  /** Lower-case method name (`webmoney_keeper_mobile`, …); empty when unspecified or unknown. */
  method: PaymentMethodName | '';
  /** Lower-case provider name (`webmoney`, …); empty when unspecified or unknown. */
  provider: ProviderName | '';
  providerPaymentId: string;
  /** Provider facts the merchant must see (`payer_purse`, `payer_phone`, …). */
  providerAttributes: Record<string, string>;
  /** The ledger journal transaction behind the event (`txn_…`). */
  ledgerTransactionId: string;
  description: string;
  /** Position among the payment's events (from 1): ordering and staleness are decided by it. */
  sequence: bigint;
  /** The payment's status after the event (`succeeded`, …); empty when it does not change it. */
  paymentStatus: string;
  /** `payment.failed`: the provider's or Tolem's reason code; empty otherwise. */
  failureCode: string;
  /** Case events and the money events of a case: the case (`case_…`). */
  caseId: string;
  /** Why the money did not match its payment (`duplicate_payment`, `late_payment`, …). */
  caseKind: string;
  /** `case.resolved`: `applied` or `returned`. */
  caseResolution: string;
  /** `refund.*`: the refund (`re_…`); gross and net are its amount. Empty otherwise. */
  refundId?: string;
  /** `recurring.*` events (they move no money and leave the status as it is); absent otherwise. */
  recurring?: RecurringEventFacts;
}

/** What a `recurring.*` event says (PaymentEvent fields 24–29). */
export interface RecurringEventFacts {
  /** The scheduled operation (`sop_…`); always set. */
  operationId: string;
  /** The due charge (`chg_…`); empty for a cancel without one. */
  chargeId: string;
  /** The charge's attempt, from 1; 0 when the event is not about an attempt. */
  attempt: number;
  /** The card binding (`cbd_…`). */
  bindingId: string;
  /** `recurring.charge.succeeded`: the receipt (`rct_…`); empty otherwise. */
  receiptId: string;
  /** `recurring.operation.canceled`: `merchant`, `binding_revoked` or `hard_decline`. */
  cancelReason: string;
}
