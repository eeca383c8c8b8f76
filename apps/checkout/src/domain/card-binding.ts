import type { Money } from '@tolem/money';
import { exponentialBackoffMs } from '@tolem/runtime';

import type { ReportedCardBinding } from './provider';

/**
 * A card binding checkout owes the recurring service. It is written to checkout's own database
 * before recurring is called, so a binding reported while recurring is down is recorded later by
 * the card-binding sweeper instead of being lost. One per payment.
 */
export interface PendingCardBinding {
  paymentId: string;
  merchantId: string;
  bindingRef: string;
  state: ReportedCardBinding['state'];
  cardLast4: string;
  /** The first payment's amount: the binding's currency for later charges. */
  firstAmount: Money;
  /** The payment's customer reference: the binding belongs to that customer ('' when none). */
  customerRef: string;
  /** `MM/YY` when the provider reported it, else '' (IntellectMoney reports none). */
  cardExpiry: string;
  /** The payment's mode: a test payment's binding charges through the sandbox only. */
  livemode: boolean;
  attempts: number;
  /** The sweeper leaves the row alone until then (the callback tries first). */
  nextAttemptAt: Date;
  /** The last failure's code; never card data. */
  lastError: string | null;
  recordedAt: Date | null;
  /** Set when recurring refused it for good (invalid or conflicting): left for an operator. */
  gaveUpAt: Date | null;
  createdAt: Date;
}

export type NewPendingCardBinding = Omit<
  PendingCardBinding,
  'attempts' | 'lastError' | 'recordedAt' | 'gaveUpAt'
>;

const BASE_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10 * 60 * 1_000;

/** Exponential backoff after the n-th failed attempt (1 s, 2 s, 4 s, … capped at 10 minutes). */
export function retryDelayMs(failedAttempts: number): number {
  return exponentialBackoffMs({ baseMs: BASE_RETRY_MS, maxMs: MAX_RETRY_MS }, failedAttempts);
}

/** The first field in which two reports of one payment's binding differ, if any. */
export function bindingDifference(
  stored: Pick<PendingCardBinding, 'bindingRef' | 'state' | 'cardLast4'>,
  reported: ReportedCardBinding,
): string | undefined {
  if (stored.bindingRef !== reported.bindingRef) return 'binding_ref';
  if (stored.state !== reported.state) return 'state';
  if (stored.cardLast4 !== reported.cardLast4) return 'card_last4';
  return undefined;
}

const EXPIRY = /^(0[1-9]|1[0-2])\/\d{2}$/;

/**
 * The card's expiry from a callback's attributes (`card_expiry`, `MM/YY`) when the provider
 * reported one; '' otherwise, and for anything that is not exactly `MM/YY` (never guessed).
 */
export function cardExpiryOf(attributes: Record<string, string>): string {
  const value = attributes['card_expiry'] ?? '';
  return EXPIRY.test(value) ? value : '';
}
