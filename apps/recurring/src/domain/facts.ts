import type { Money } from '@tolem/money';

import type { CancelReason } from './operation';

export type RecurringEventType =
  | 'recurring.charge.succeeded'
  | 'recurring.charge.failed'
  | 'recurring.charge.abandoned'
  | 'recurring.operation.canceled';

/**
 * A recurring fact for the merchant, recorded by the ledger (LedgerService.RecordPaymentEvent with
 * payment_status empty) and so published and notified like every payment event. Stored in
 * recurring_facts in the same transaction as the change it describes; a relay hands it on.
 */
export interface RecurringFact {
  /** Unique per fact, e.g. `<charge id>:<attempt>:failed` or `<operation id>:canceled`. */
  idempotencyKey: string;
  eventType: RecurringEventType;
  /** The charge attempt's payment; for a cancel without one, the payment that bound the card. */
  paymentId: string;
  merchantId: string;
  amount: Money;
  operationId: string;
  chargeId?: string;
  attempt?: number;
  bindingId: string;
  receiptId?: string;
  /** recurring.charge.failed: the scheme's decline code, else Tolem's reason code. */
  failureCode?: string;
  cancelReason?: CancelReason;
  description: string;
  livemode: boolean;
  occurredAt: Date;
}
