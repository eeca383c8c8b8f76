import { type CurrencyCode, money } from '@tolem/money';

import type { PaymentMethod, PaymentProvider } from '../domain/payment';
import type { CaseKind, UnappliedRecord, UnappliedStatus } from '../domain/unapplied';

/** A row of unapplied_funds as PostgreSQL stores it. */
export interface UnappliedRow {
  case_id: string;
  case_kind: string;
  payment_id: string;
  merchant_id: string;
  currency: string;
  amount_minor: bigint | string;
  method: string;
  provider: string;
  shard: number;
  details: string | StoredDetails;
  status: string;
  hold_transaction_id: string;
  resolution_transaction_id: string | null;
  return_reference: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

interface StoredDetails {
  provider_payment_id?: string;
  provider_attributes?: Record<string, string>;
  order_id?: string;
  description?: string;
  /** Absent in rows from before modes: false, as checkout's payments defaulted to. */
  livemode?: boolean;
  /** UnappliedRecord.accountsLivemode: set by the account-mode migration on the rows before it. */
  accounts_livemode?: boolean;
}

export function unappliedToRow(r: UnappliedRecord): UnappliedRow {
  return {
    case_id: r.caseId,
    case_kind: r.caseKind,
    payment_id: r.paymentId,
    merchant_id: r.merchantId,
    currency: r.amount.currency,
    amount_minor: r.amount.amountMinor.toString(),
    method: r.method,
    provider: r.provider,
    shard: r.shard,
    details: JSON.stringify({
      provider_payment_id: r.providerPaymentId,
      provider_attributes: r.providerAttributes,
      order_id: r.orderId,
      description: r.description,
      livemode: r.livemode,
      ...(r.accountsLivemode === undefined ? {} : { accounts_livemode: r.accountsLivemode }),
    } satisfies StoredDetails),
    status: r.status,
    hold_transaction_id: r.holdTransactionId,
    resolution_transaction_id: r.resolutionTransactionId || null,
    return_reference: r.returnReference || null,
    created_at: r.createdAt,
    resolved_at: r.resolvedAt,
  };
}

export function unappliedFromRow(row: UnappliedRow): UnappliedRecord {
  const details: StoredDetails =
    typeof row.details === 'string' ? (JSON.parse(row.details) as StoredDetails) : row.details;
  return {
    caseId: row.case_id,
    caseKind: row.case_kind as CaseKind,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    amount: money(BigInt(row.amount_minor), row.currency.trim() as CurrencyCode),
    method: row.method as PaymentMethod,
    provider: row.provider as PaymentProvider,
    shard: row.shard,
    status: row.status as UnappliedStatus,
    holdTransactionId: row.hold_transaction_id,
    resolutionTransactionId: row.resolution_transaction_id ?? '',
    returnReference: row.return_reference ?? '',
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    providerPaymentId: details.provider_payment_id ?? '',
    providerAttributes: details.provider_attributes ?? {},
    orderId: details.order_id ?? '',
    description: details.description ?? '',
    livemode: details.livemode ?? false,
    ...(details.accounts_livemode === undefined
      ? {}
      : { accountsLivemode: details.accounts_livemode }),
  };
}
