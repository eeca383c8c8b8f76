import type { Money } from '@tolem/money';

import { checkoutErrors } from './errors';

/** Method strings as used on HTTP and stored in the database. */
export const PAYMENT_METHODS = [
  'webmoney_purse',
  'webmoney_keeper_mobile',
  'card',
  'wavepay',
  'qr',
] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const PROVIDERS = ['webmoney', 'intellectmoney', 'paykassma', 'qr_acquirer'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const PAYMENT_STATUSES = [
  'created',
  'pending',
  'succeeded',
  'failed',
  'expired',
  'requires_review',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export function isPaymentMethod(value: string): value is PaymentMethod {
  return (PAYMENT_METHODS as readonly string[]).includes(value);
}

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

/** A payment as checkout owns it. `version` is the optimistic lock of every transition. */
export interface Payment {
  id: string;
  merchantId: string;
  amount: Money;
  status: PaymentStatus;
  orderId: string;
  description: string;
  successUrl: string;
  failUrl: string;
  metadata: Record<string, string>;
  /** The hosted page's link secret (domain/page-secret.ts); a credential, never logged. */
  pageSecret: string;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  providerPaymentId: string | null;
  providerAttributes: Record<string, string>;
  /**
   * Known once succeeded; computed from the merchant's fee rule for the method. This is what
   * checkout sends the ledger, so every retried post carries the same content.
   */
  fee: Money | null;
  /**
   * The fee the ledger applied (PostPaymentResponse.fee), known once posted. Authoritative: it
   * differs from `fee` when the merchant has a fee plan in the ledger.
   */
  ledgerFee: Money | null;
  failureCode: string | null;
  /** When the payment became succeeded; the ledger's occurred_at, stable across retries. */
  succeededAt: Date | null;
  ledgerPostedAt: Date | null;
  ledgerTransactionId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

/** One row of the audit trail written with every status change. */
export interface PaymentTransition {
  paymentId: string;
  from: PaymentStatus | null;
  to: PaymentStatus;
  reason: string;
  at: Date;
}

const FINAL: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'expired']);
/** Statuses a customer may still pay in, and that expire when their time runs out. */
const OPEN: ReadonlySet<PaymentStatus> = new Set(['created', 'pending']);

export function isFinal(status: PaymentStatus): boolean {
  return FINAL.has(status);
}

/** created or pending: open for paying. requires_review is not (a person decides it). */
export function isOpen(status: PaymentStatus): boolean {
  return OPEN.has(status);
}

/**
 * Transitions the state machine allows. created -> succeeded/failed is allowed because a provider
 * can report the outcome before our own `pending` write lands; pending -> pending lets a customer
 * start again with another method. requires_review (the provider could not match the money, a
 * person must decide) is not final: a later postback or an operator resolves it to succeeded or
 * failed; it never expires and cannot be paid again with another method.
 */
const ALLOWED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  created: ['pending', 'succeeded', 'failed', 'expired', 'requires_review'],
  pending: ['pending', 'succeeded', 'failed', 'expired', 'requires_review'],
  requires_review: ['requires_review', 'succeeded', 'failed'],
  succeeded: [],
  failed: [],
  // A verified success that arrives after expiry means the money moved at the provider: crediting
  // the merchant beats stranding it. Every other outcome for an expired payment is refused.
  expired: ['succeeded'],
};

/**
 * Decides a transition: 'apply' when allowed, 'noop' when a final state receives the same
 * outcome again (a duplicate callback). A different outcome for a final payment is refused with
 * PAYMENT_ALREADY_FINAL and nothing changes, except a late verified success of an expired payment.
 */
export function decideTransition(from: PaymentStatus, to: PaymentStatus): 'apply' | 'noop' {
  if (isFinal(from)) {
    if (from === to) return 'noop';
    if (ALLOWED[from].includes(to)) return 'apply';
    throw checkoutErrors.create(
      'PAYMENT_ALREADY_FINAL',
      `payment is already ${from}; refusing ${to}`,
      {
        details: { status: from, requested: to },
      },
    );
  }
  if (!ALLOWED[from].includes(to)) {
    throw checkoutErrors.create(
      'PAYMENT_INVALID_TRANSITION',
      `cannot move a payment from ${from} to ${to}`,
      {
        details: { status: from, requested: to },
      },
    );
  }
  return 'apply';
}

/**
 * True when an open (created/pending) payment has passed its expiry time. A payment under review
 * never expires: the money may have moved, and only a person or the provider settles it.
 */
export function isExpiredByTime(payment: Payment, now: Date): boolean {
  return isOpen(payment.status) && payment.expiresAt.getTime() <= now.getTime();
}

/** created or pending and not past its expiry: a customer may still pay it. */
export function isPayable(payment: Payment, now: Date): boolean {
  return isOpen(payment.status) && !isExpiredByTime(payment, now);
}

/** The fee to show: the ledger's once it posted the payment, else the one checkout computed. */
export function effectiveFee(payment: Payment): Money | null {
  return payment.ledgerFee ?? payment.fee;
}

/** The ledger's idempotency key for posting a succeeded payment; one post per payment, ever. */
export function ledgerKeyOf(paymentId: string): string {
  return `payment:${paymentId}:succeeded`;
}

/** A payment as shown to merchants and the hosted page: with the methods the customer may pick. */
export interface PaymentView {
  payment: Payment;
  availableMethods: PaymentMethod[];
}
