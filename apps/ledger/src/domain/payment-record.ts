import type { CurrencyCode } from '@tolem/money';

import type { PaymentDetails, PaymentMethod, PaymentProvider } from './payment';

/**
 * open: the payment has status facts (RecordPaymentEvent) but no money yet; a posting or a hold
 * takes the row over. held: funds pending (CreateHold); posted: money moved (PostPayment /
 * PostHold); voided: a hold released (VoidHold or its timeout); reversed: the payment transaction
 * was reversed.
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
  /**
   * The mode of the accounts the payment's money is in, when it is not the payment's own mode:
   * set (true) only on rows from before accounts had a mode, whose money, test or live, went to
   * the accounts that are the live ones now. Its refunds, capture or void must move the money
   * where it is, or the books would no longer balance per mode.
   */
  accountsLivemode?: boolean;
}

/** The mode of the accounts a payment's (or a case's) money is in: see accountsLivemode. */
export function accountsModeOf(r: { livemode: boolean; accountsLivemode?: boolean }): boolean {
  return r.accountsLivemode ?? r.livemode;
}
