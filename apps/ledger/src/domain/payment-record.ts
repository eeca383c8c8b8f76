import type { CurrencyCode } from '@tolem/money';

import type { PaymentDetails, PaymentMethod, PaymentProvider } from './payment';

/**
 * open: the payment has status facts (RecordPaymentEvent) but no money yet; a posting or a hold
 * takes the row over. held: funds pending (CreateHold); posted: money moved (PostPayment / PostHold); voided: a
 * hold released (VoidHold or its timeout); reversed: the payment transaction was reversed.
 */
export type PaymentStatus = 'open' | 'held' | 'posted' | 'voided' | 'reversed';

/**
 * The ledger's register of one payment: what refunds, captures and voids check and update under
 * the row's lock, and what their events repeat. Written in the same database transaction as the
 * journal entries that change it.
 */
export interface PaymentRecord extends PaymentDetails {
  paymentId: string;
  merchantId: string;
  currency: CurrencyCode;
  method: PaymentMethod;
  provider: PaymentProvider;
  /** The shard of the system accounts its postings use. */
  shard: number;
  status: PaymentStatus;
  /** The amount held pending (0 unless a hold was created). */
  heldMinor: bigint;
  holdExpiresAt: Date | null;
  /** Posted gross and fee (0 while held). */
  grossMinor: bigint;
  feeMinor: bigint;
  /** Sum of its succeeded refunds; with refundPendingMinor never above grossMinor. */
  refundedMinor: bigint;
  /** Sum of its refunds started and not yet succeeded or failed (in refunds payable). */
  refundPendingMinor: bigint;
  /** When the payment (or its capture) happened, for later events. */
  occurredAt: Date;
}
