import type { Knex } from '@tolem/db-kit';
import type { Money } from '@tolem/money';

import type { RecurringFact } from '../domain/facts';
import type { ReceiptCustomer, Schedule } from '../domain/operation';

/**
 * The occurrence of a schedule strictly after `after`, or null when the schedule has none
 * (domain/schedule.ts `nextOccurrence`). Injected so the scheduler does not depend on how
 * schedules are parsed.
 */
export type NextOccurrence = (schedule: Schedule, after: Date) => Date | null;

/** One merchant-initiated charge of a bound card, as CheckoutService.ChargeBoundCard takes it. */
export interface ChargeBoundCardInput {
  merchantId: string;
  /** `<operation id>:<scheduled_at ISO>:<attempt>`: a retaken or replayed attempt charges once. */
  idempotencyKey: string;
  bindingRef: string;
  amount: Money;
  description: string;
  orderId: string;
  metadata: Record<string, string>;
  livemode: boolean;
  customerRef: string;
}

export type ChargeOutcome = 'succeeded' | 'failed' | 'pending';

export interface ChargeBoundCardResult {
  paymentId: string;
  outcome: ChargeOutcome;
  /** The scheme's response code of a decline, e.g. "51"; empty otherwise. */
  declineCode: string;
  /** Tolem's stable code when not succeeded, e.g. PROVIDER_CARD_DECLINED. */
  reasonCode: string;
}

/**
 * Checkout makes the payment of each attempt (its events reach the ledger like every payment's).
 * Throws a DomainError when it could not answer; a retriable one leaves the attempt to be asked
 * again with the same key.
 */
export interface CheckoutChargePort {
  chargeBoundCard(input: ChargeBoundCardInput): Promise<ChargeBoundCardResult>;
}

/** The ledger records a recurring fact (RecordPaymentEvent); throws when it did not. */
export interface LedgerFactsPort {
  recordFact(fact: RecurringFact): Promise<void>;
}

/** A charge that has just succeeded, as the receipts code needs it. */
export interface SucceededCharge {
  id: string;
  operationId: string;
  merchantId: string;
  bindingId: string;
  scheduledAt: Date;
  amount: Money;
  /** The operation's description when the charge was materialized: the receipt's line. */
  description: string;
  operationVersion: number;
  paymentId: string;
  customerRef: string;
  receiptCustomer: ReceiptCustomer;
  livemode: boolean;
  succeededAt: Date;
}

/**
 * Joined by the receipts code: called in the transaction that records the success, so a receipt
 * exists exactly when the charge is succeeded (and is never issued twice: a charge succeeds once).
 * The receipt id it returns goes on the charge and on its `recurring.charge.succeeded` fact.
 */
export interface ChargeSucceededPort {
  /**
   * Before the transaction that records a batch: reads what the receipts need from peers for
   * these merchants (the VAT rate), so no network call runs while the batch's rows are locked.
   */
  prepare?(merchantIds: readonly string[]): Promise<void>;
  onChargeSucceeded(
    charge: SucceededCharge,
    trx: Knex.Transaction,
  ): Promise<{ receiptId: string } | null>;
}

/** Until receipts are wired: no receipt. */
export const noReceipts: ChargeSucceededPort = {
  onChargeSucceeded: () => Promise.resolve(null),
};
