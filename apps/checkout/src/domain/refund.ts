import { isCurrencyCode, type Money, money } from '@tolem/money';

import { checkoutErrors } from './errors';
import type { Canonical } from './fingerprint';
import type { Payment, PaymentMethod, ProviderName } from './payment';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/**
 * Where a refund is in its life; every step but `await_payout` and `done` is finished by the
 * sweeper when it was interrupted:
 * - reserve: stored, the ledger has not yet moved the money to refunds payable;
 * - execute: the money is in refunds payable, the provider has not yet been asked to refund;
 * - await_payout: the provider has no refund; an operator pays the payer out by hand;
 * - resolve: the outcome is known, the ledger has not yet recorded it;
 * - done: final (succeeded or failed).
 */
export type RefundStep = 'reserve' | 'execute' | 'await_payout' | 'resolve' | 'done';

export type RefundExecution = 'provider' | 'payout_queue';

/** How a refund ended, as the ledger records it (ResolveRefund). */
export type RefundOutcome = 'refunded_by_provider' | 'paid_out' | 'failed';

export interface Refund {
  /** `re_…`; also the provider's idempotency key and the ledger's, so it is never done twice. */
  id: string;
  merchantId: string;
  paymentId: string;
  amount: Money;
  status: RefundStatus;
  step: RefundStep;
  execution: RefundExecution | null;
  reason: string;
  /** Decided, not yet (or already) recorded in the ledger. */
  outcome: RefundOutcome | null;
  /** The provider's refund id, the operator's payout reference, or a failure's reason code. */
  outcomeReference: string;
  /** failed: `provider_declined`, `payout_failed`, or the ledger's refusal code. */
  failureCode: string;
  operator: string;
  idempotencyKey: string;
  /** Its payment's mode, which never changes: a key of the other mode never reaches it. */
  livemode: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What the merchant asked for, as the idempotency record compares it. */
export interface RefundRequest {
  merchantId: string;
  idempotencyKey: string;
  paymentId: string;
  /** Undefined: all that is left to refund. */
  amount: { amountMinor: bigint; currency: string } | undefined;
  reason: string;
  /** The API key's mode (not part of the fingerprint); undefined: any. */
  livemode?: boolean;
}

/** The request fields in the order a reused key names the first that differs. */
export const REFUND_REQUEST_FIELDS = ['payment', 'amount', 'reason'] as const;

export function canonicalRefundRequest(r: RefundRequest): Record<string, Canonical> {
  return {
    payment: r.paymentId,
    amount: r.amount ? { amount_minor: r.amount.amountMinor, currency: r.amount.currency } : null,
    reason: r.reason,
  };
}

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('REFUND_INVALID_REQUEST', message, { details: { field } });
}

const MAX_KEY = 255;
const MAX_REASON = 500;

/** Shape checks before anything is read: REFUND_INVALID_REQUEST / IDEMPOTENCY_KEY_REQUIRED. */
export function validateRefundRequest(r: RefundRequest): void {
  if (!r.idempotencyKey.trim() || r.idempotencyKey.length > MAX_KEY) {
    throw checkoutErrors.create(
      'IDEMPOTENCY_KEY_REQUIRED',
      'idempotency_key is required (1..255 characters)',
      { details: { field: 'idempotency_key' } },
    );
  }
  if (!r.paymentId.trim()) invalid('payment', 'payment is required');
  if (r.reason.length > MAX_REASON) invalid('reason', `reason is longer than ${MAX_REASON}`);
  if (r.amount) {
    // Empty: the payment's currency (the merchant API takes no currency, as Stripe's).
    if (r.amount.currency !== '' && !isCurrencyCode(r.amount.currency)) {
      invalid('amount', 'amount.currency is not supported');
    }
    if (r.amount.amountMinor <= 0n) invalid('amount', 'amount must be positive');
  }
}

/**
 * The amount of a new refund of `payment`, given what its other refunds (pending or succeeded)
 * already take: the asked amount, or the rest when none was asked. Refused: a payment that did
 * not succeed (PAYMENT_NOT_REFUNDABLE), another currency (REFUND_INVALID_REQUEST), more than is
 * left (REFUND_EXCEEDS_PAYMENT, details.refundable).
 */
export function decideRefundAmount(
  payment: Payment,
  takenMinor: bigint,
  asked: RefundRequest['amount'],
): Money {
  if (payment.status !== 'succeeded') {
    throw checkoutErrors.create(
      'PAYMENT_NOT_REFUNDABLE',
      `payment ${payment.id} is ${payment.status}; only succeeded payments are refunded`,
      { details: { field: 'payment', status: payment.status } },
    );
  }
  // The ledger refunds only what it posted; a payment it has not acknowledged yet (it was down)
  // becomes refundable once the ledger sweeper posted it.
  if (payment.ledgerPostedAt === null) {
    throw checkoutErrors.create(
      'PAYMENT_NOT_REFUNDABLE',
      `payment ${payment.id} is not settled in the ledger yet; retry shortly`,
      { details: { field: 'payment', status: 'unposted' }, retriable: true },
    );
  }
  const refundable = payment.amount.amountMinor - takenMinor;
  if (asked && asked.currency !== '' && asked.currency !== payment.amount.currency) {
    invalid('amount', `amount is in ${asked.currency}, the payment in ${payment.amount.currency}`);
  }
  const amountMinor = asked ? asked.amountMinor : refundable;
  if (amountMinor > refundable || amountMinor <= 0n) {
    throw checkoutErrors.create(
      'REFUND_EXCEEDS_PAYMENT',
      refundable === 0n
        ? `payment ${payment.id} is already fully refunded`
        : `a refund of ${amountMinor} exceeds the ${refundable} left to refund`,
      { details: { field: 'amount', refundable: refundable.toString() } },
    );
  }
  return money(amountMinor, payment.amount.currency);
}

/**
 * Where an operator pays a payer back when the provider has no refund: the WebMoney purse or the
 * Keeper Mobile phone the payment came from (seed 000). A credential-grade personal fact: shown
 * to the operator, never logged.
 */
export function payerAccountOf(payment: Pick<Payment, 'providerAttributes' | 'method'>): {
  kind: string;
  account: string;
} {
  const attrs = payment.providerAttributes;
  if (payment.method === 'webmoney_keeper_mobile' && attrs['payer_phone']) {
    return { kind: 'keeper_mobile_phone', account: attrs['payer_phone'] };
  }
  if (attrs['payer_purse']) return { kind: 'webmoney_purse', account: attrs['payer_purse'] };
  if (attrs['payer_phone']) return { kind: 'keeper_mobile_phone', account: attrs['payer_phone'] };
  return { kind: '', account: '' };
}

/** A refund waiting in the payout-to-payer queue, with what the operator needs. */
export interface RefundPayout {
  refund: Refund;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  payerAccountKind: string;
  payerAccount: string;
}

/** The status a succeeded payment shows once refunds returned (part of) it. */
export function refundedStatusOf(
  payment: Pick<Payment, 'status' | 'amount' | 'refundedMinor'>,
): 'partially_refunded' | 'refunded' | null {
  if (payment.status !== 'succeeded' || payment.refundedMinor <= 0n) return null;
  return payment.refundedMinor >= payment.amount.amountMinor ? 'refunded' : 'partially_refunded';
}
