import { methodsOfProvider } from '@tolem/catalog';
import type { Money } from '@tolem/money';

import {
  isPaymentAmount,
  type Payment,
  type PaymentMethod,
  type PaymentStatus,
  type ProviderName,
} from './payment';
import type { VerifiedCallback } from './provider';

/** Why verified money could not simply be applied to its payment. */
export type CaseKind =
  | 'duplicate_payment'
  | 'late_payment'
  | 'amount_mismatch'
  | 'amount_unknown'
  | 'unsettled_at_provider';

/**
 * opening: stored, the ledger has not acknowledged the hold yet (the provider is told to retry,
 * the case sweeper retries the hold); open: the money is in unapplied funds; applied / returned:
 * resolved by an operator, once.
 */
export type CaseStatus = 'opening' | 'open' | 'applied' | 'returned';

export interface Case {
  id: string;
  kind: CaseKind;
  status: CaseStatus;
  paymentId: string;
  merchantId: string;
  provider: ProviderName;
  method: PaymentMethod;
  providerPaymentId: string;
  /** What the provider moved; for amount_unknown the payment's amount, unconfirmed. */
  amount: Money;
  expected: Money;
  /** The payment's status when the case opened. */
  paymentStatus: PaymentStatus;
  callbackId: string;
  providerAttributes: Record<string, string>;
  /** Human-readable: what made this money a case. */
  reason: string;
  /** One case per provider transfer: the same callback again finds this case. */
  dedupeKey: string;
  returnReference: string;
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface CaseAuditEntry {
  at: Date;
  action: 'opened' | 'held' | 'applied' | 'returned';
  actor: string;
  detail: string;
}

/** The ledger's keys for a case's steps: one hold and one resolution per case, ever. */
export const caseKeys = {
  hold: (caseId: string) => `case:${caseId}:hold`,
  apply: (caseId: string) => `case:${caseId}:apply`,
  return: (caseId: string) => `case:${caseId}:return`,
};

/**
 * Whether a verified success must become a case rather than settle its payment, and which:
 * money of another amount or currency (or of an unknown amount), money for a payment that
 * failed, expired or was canceled, or a second transfer for a payment already succeeded (another
 * provider, or another transfer of the same provider). A repeat of the transfer that paid the
 * payment is not a case (a duplicate callback).
 */
export function caseKindOf(
  payment: Payment,
  success: {
    provider: ProviderName;
    providerPaymentId: string;
    amount: { amountMinor: bigint; currency: string } | null;
  },
): CaseKind | null {
  if (payment.status === 'succeeded') {
    const sameTransfer =
      payment.provider === success.provider &&
      payment.providerPaymentId === success.providerPaymentId;
    return sameTransfer ? null : 'duplicate_payment';
  }
  if (
    payment.status === 'failed' ||
    payment.status === 'expired' ||
    payment.status === 'canceled'
  ) {
    return 'late_payment';
  }
  if (!success.amount) return 'amount_unknown';
  if (!isPaymentAmount(payment, success.amount)) return 'amount_mismatch';
  return null;
}

/** The dedupe key of a transfer: the provider's own id when it has one, else the callback's. */
export function dedupeKeyOf(
  paymentId: string,
  provider: ProviderName,
  providerPaymentId: string,
  callbackId: string,
): string {
  return `${provider}:${providerPaymentId || callbackId}:${paymentId}`;
}

const REASONS: Record<CaseKind, string> = {
  duplicate_payment: 'a second payment for a payment that was already paid',
  late_payment: 'a payment that arrived after the payment failed, expired or was canceled',
  amount_mismatch: 'the provider moved a different amount or currency than the payment asked',
  amount_unknown: 'the provider confirmed the payment without saying how much it received',
  unsettled_at_provider: 'the provider settled money that no payment here matches',
};

/** A new case for a verified success that cannot settle its payment. */
export function newCase(input: {
  id: string;
  kind: CaseKind;
  payment: Payment;
  provider: ProviderName;
  method: PaymentMethod | null;
  success: Pick<VerifiedCallback, 'providerPaymentId' | 'attributes' | 'callbackId' | 'amount'>;
  now: Date;
}): Case {
  const { payment, success } = input;
  const amount: Money = success.amount
    ? (success.amount as Money)
    : // Unknown: the payment's amount is the best knowledge until an operator confirms it.
      payment.amount;
  return {
    id: input.id,
    kind: input.kind,
    status: 'opening',
    paymentId: payment.id,
    merchantId: payment.merchantId,
    provider: input.provider,
    // The method the money came by: as reported, else the payment's if the same provider, else
    // the provider's first method (the ledger books money per method and provider).
    method:
      input.method ??
      (payment.provider === input.provider ? payment.method : null) ??
      (methodsOfProvider(input.provider)[0] as PaymentMethod),
    providerPaymentId: success.providerPaymentId,
    amount,
    expected: payment.amount,
    paymentStatus: payment.status,
    callbackId: success.callbackId,
    providerAttributes: { ...success.attributes },
    reason: REASONS[input.kind],
    dedupeKey: dedupeKeyOf(
      payment.id,
      input.provider,
      success.providerPaymentId,
      success.callbackId,
    ),
    returnReference: '',
    createdAt: input.now,
    resolvedAt: null,
  };
}
