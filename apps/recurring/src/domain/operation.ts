import type { Money } from '@tolem/money';

/**
 * When an operation charges: a cron expression, or a daily / weekly / monthly interval, read in an
 * IANA time zone. Parsed and validated by domain/schedule.ts.
 */
export type Schedule =
  | { kind: 'cron'; cron: string; timeZone: string }
  | {
      kind: 'interval';
      interval: 'daily' | 'weekly' | 'monthly';
      /** WEEKLY: ISO weekday 1..7; MONTHLY: day of month 1..31 (short months: their last day); DAILY: 0. */
      day: number;
      /** Local "HH:MM". */
      timeOfDay: string;
      timeZone: string;
    };

export type OperationState = 'active' | 'paused' | 'canceled' | 'completed';

export type CancelReason = 'merchant' | 'binding_revoked' | 'hard_decline';

export interface ReceiptCustomer {
  email?: string;
  /** E.164 digits; never logged. */
  phone?: string;
  fullName?: string;
  inn?: string;
}

/** A scheduled recurring charge of a card binding (the seed's scheduled operation, `sop_…`). */
export interface ScheduledOperation {
  id: string;
  merchantId: string;
  bindingId: string;
  amount: Money;
  description: string;
  schedule: Schedule;
  startsAt: Date;
  endsAt: Date | null;
  firesOnSkip: boolean;
  receiptCustomer: ReceiptCustomer;
  metadata: Record<string, string>;
  customerRef: string;
  livemode: boolean;
  state: OperationState;
  cancelReason: CancelReason | '';
  cancelCode: string;
  /** The next occurrence not yet turned into a charge; null when none is coming. */
  nextChargeAt: Date | null;
  /** Increases with every edit; a charge records the version it was made under. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
