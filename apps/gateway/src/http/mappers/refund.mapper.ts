import {
  type Refund,
  RefundExecution,
  type RefundPayout,
  RefundStatus,
} from '@tolem/contracts/checkout';
import { minorFromJson } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type { ExecutionName, RefundStatusName } from '../refund.schemas';
import { methodName, providerName } from './enums.mapper';
import { type JsonMinor, minorToJson } from './payment.mapper';

function refundStatusName(s: RefundStatus): RefundStatusName {
  switch (s) {
    case RefundStatus.REFUND_STATUS_SUCCEEDED:
      return 'succeeded';
    case RefundStatus.REFUND_STATUS_FAILED:
      return 'failed';
    default:
      return 'pending';
  }
}

function executionName(e: RefundExecution): ExecutionName | null {
  switch (e) {
    case RefundExecution.REFUND_EXECUTION_PROVIDER:
      return 'provider';
    case RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE:
      return 'payout_queue';
    default:
      return null;
  }
}

/** Stripe's refund object, with Tolem's execution. */
export interface RefundJson {
  id: string;
  object: 'refund';
  payment: string;
  amount: JsonMinor;
  currency: string;
  status: RefundStatusName;
  reason: string | null;
  execution: ExecutionName | null;
  failure_code: string | null;
  livemode: boolean;
  created_at: string | null;
  updated_at: string | null;
}

export function refundToJson(r: Refund | undefined): RefundJson {
  if (!r?.amount) throw gatewayErrors.create('INTERNAL', 'peer answer lacks refund');
  return {
    id: r.id,
    object: 'refund',
    payment: r.paymentId,
    amount: minorToJson(r.amount.amountMinor),
    currency: r.amount.currency,
    status: refundStatusName(r.status),
    reason: r.reason === '' ? null : r.reason,
    execution: executionName(r.execution),
    failure_code: r.failureCode === '' ? null : r.failureCode,
    livemode: r.livemode,
    created_at: r.createdAt ? r.createdAt.toISOString() : null,
    updated_at: r.updatedAt ? r.updatedAt.toISOString() : null,
  };
}

/** A queued refund as the operators' payout queue shows it, with the payer's account. */
export function refundPayoutToJson(p: RefundPayout) {
  return {
    refund: refundToJson(p.refund),
    method: methodName(p.method),
    provider: providerName(p.provider),
    payer_account_kind: p.payerAccountKind,
    payer_account: p.payerAccount,
  };
}

/** The optional amount: minor units as minorFromJson reads them, positive. */
export function refundAmountFrom(raw: unknown): bigint | undefined {
  if (raw === undefined) return undefined;
  const minor = minorFromJson(raw);
  if (minor <= 0n) {
    throw gatewayErrors.create('VALIDATION_FAILED', 'amount must be positive', {
      details: { field: 'amount' },
    });
  }
  return minor;
}
