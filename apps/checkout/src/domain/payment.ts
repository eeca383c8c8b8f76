import {
  PAYMENT_METHOD_NAMES,
  type PaymentMethodName,
  PROVIDER_NAMES,
  type ProviderName,
} from '@tolem/catalog';
import type { Money } from '@tolem/money';

import { checkoutErrors } from './errors';

/** Method strings as used on HTTP and stored in the database; the catalog lists them. */
export const PAYMENT_METHODS = PAYMENT_METHOD_NAMES;
export type PaymentMethod = PaymentMethodName;

export const PROVIDERS = PROVIDER_NAMES;
export type { ProviderName };
export { isPaymentMethodName as isPaymentMethod, isProviderName } from '@tolem/catalog';

export const PAYMENT_STATUSES = [
  'created',
  'pending',
  'succeeded',
  'failed',
  'expired',
  'canceled',
  'requires_review',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

/** Who started a payment: the customer (''), or the recurring service's schedule. */
export type PaymentInitiator = '' | 'scheduled';

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
  /** False when created with a test key: it pays through the provider sandbox only. */
  livemode: boolean;
  /** The merchant's reference of its customer ('' when none); a card bound on it belongs to it. */
  customerRef: string;
  /** `scheduled`: a merchant-initiated charge of a bound card; '' for a customer's payment. */
  initiator: PaymentInitiator;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  providerPaymentId: string | null;
  providerAttributes: Record<string, string>;
  /**
   * The fee the ledger applied (PostPaymentResponse.fee), known once posted. The ledger owns
   * fees (its merchant fee plans); checkout only keeps what it was told.
   */
  fee: Money | null;
  failureCode: string | null;
  /** When the payment became succeeded; the ledger's occurred_at, stable across retries. */
  succeededAt: Date | null;
  ledgerPostedAt: Date | null;
  ledgerTransactionId: string | null;
  /** What succeeded refunds returned (minor units of amount's currency); written by refunds only. */
  refundedMinor: bigint;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  /**
   * The W3C traceparent of the request that created it, when tracing was on: its completion
   * (ledger posting, events, notification) continues that trace.
   */
  traceParent?: string;
}

/** What a new payment is given; everything that only happens later starts empty. */
export type NewPaymentFields = Pick<
  Payment,
  | 'id'
  | 'merchantId'
  | 'amount'
  | 'status'
  | 'orderId'
  | 'description'
  | 'successUrl'
  | 'failUrl'
  | 'metadata'
  | 'pageSecret'
  | 'livemode'
  | 'customerRef'
  | 'initiator'
  | 'createdAt'
  | 'expiresAt'
> &
  Partial<Pick<Payment, 'method' | 'provider' | 'traceParent'>>;

/** A payment as created: not started, not paid, nothing posted or refunded, version 0. */
export function newPayment(fields: NewPaymentFields): Payment {
  return {
    method: null,
    provider: null,
    ...fields,
    providerPaymentId: null,
    providerAttributes: {},
    fee: null,
    failureCode: null,
    succeededAt: null,
    ledgerPostedAt: null,
    ledgerTransactionId: null,
    refundedMinor: 0n,
    version: 0,
    updatedAt: fields.createdAt,
  };
}

/**
 * The ledger event a status change records (RecordPaymentEvent), captured with the transition so
 * that every retry sends the ledger the identical fact. Succeeded has none here: its event is the
 * posting's own.
 */
export interface StatusEvent {
  eventType: string;
  status: PaymentStatus;
  amount: Money;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  providerPaymentId: string;
  providerAttributes: Record<string, string>;
  failureCode: string;
  occurredAt: Date;
}

const STATUS_EVENT_TYPES: Partial<Record<PaymentStatus, string>> = {
  pending: 'payment.pending',
  failed: 'payment.failed',
  expired: 'payment.expired',
  canceled: 'payment.canceled',
  requires_review: 'payment.requires_review',
};

/** The event of entering `payment`'s status at `at`, or null when the status has none. */
export function statusEventOf(payment: Payment, at: Date): StatusEvent | null {
  const eventType = STATUS_EVENT_TYPES[payment.status];
  if (!eventType) return null;
  return {
    eventType,
    status: payment.status,
    amount: payment.amount,
    method: payment.method,
    provider: payment.provider,
    providerPaymentId: payment.providerPaymentId ?? '',
    providerAttributes: { ...payment.providerAttributes },
    failureCode: payment.status === 'failed' ? (payment.failureCode ?? '') : '',
    occurredAt: at,
  };
}

/** One row of the audit trail written with every status change. */
export interface PaymentTransition {
  paymentId: string;
  from: PaymentStatus | null;
  to: PaymentStatus;
  reason: string;
  at: Date;
  /** Owed to the ledger until recorded there; null for statuses without an event. */
  event: StatusEvent | null;
}

const FINAL: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'expired', 'canceled']);
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
  created: ['pending', 'succeeded', 'failed', 'expired', 'canceled', 'requires_review'],
  pending: ['pending', 'succeeded', 'failed', 'expired', 'canceled', 'requires_review'],
  requires_review: ['requires_review', 'succeeded', 'failed'],
  succeeded: [],
  // Money that arrives after a payment failed, expired or was canceled is a case (late_payment):
  // it reaches succeeded only when an operator applies that case's money.
  failed: ['succeeded'],
  expired: ['succeeded'],
  canceled: ['succeeded'],
};

/**
 * Decides a transition: 'apply' when allowed, 'noop' when a final state receives the same
 * outcome again (a duplicate callback). A different outcome for a final payment is refused with
 * PAYMENT_ALREADY_FINAL and nothing changes, except succeeded through an applied case (see ALLOWED).
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

/** Whether reported money is exactly what the payment asks: same minor units, same currency. */
export function isPaymentAmount(
  payment: Payment,
  amount: { amountMinor: bigint; currency: string },
): boolean {
  return (
    amount.amountMinor === payment.amount.amountMinor && amount.currency === payment.amount.currency
  );
}

/** created or pending and not past its expiry: a customer may still pay it. */
export function isPayable(payment: Payment, now: Date): boolean {
  return isOpen(payment.status) && !isExpiredByTime(payment, now);
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
