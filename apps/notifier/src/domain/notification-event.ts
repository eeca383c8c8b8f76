import type { PaymentEvent } from '@tolem/payment-events';

/** An amount as the notifier reads it: integer minor units and the currency's code. */
export interface EventAmount {
  readonly amountMinor: bigint;
  readonly currency: string;
}

/**
 * What the notifier needs of a payment event: the shared typed event (kafka-kit's
 * startPaymentEventsConsumer decodes it, its amounts as Money), without the case fields no
 * notification carries. Amounts are widened to EventAmount only so the domain's own fixtures need
 * not name a CurrencyCode; every event the consumer hands over already is Money.
 */
export type NotificationEvent = Omit<
  PaymentEvent,
  'caseId' | 'caseKind' | 'caseResolution' | 'gross' | 'fee' | 'net' | 'livemode'
> & {
  /**
   * The payment's mode (false: a test key's). Undefined only for an event stored before payment
   * events had one: its bodies leave `livemode` out, so an endpoint added later gets the bytes
   * the others got.
   */
  livemode: boolean | undefined;
  gross: EventAmount | undefined;
  fee: EventAmount | undefined;
  net: EventAmount | undefined;
};
