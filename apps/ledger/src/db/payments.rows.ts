import type { CurrencyCode } from '@tolem/money';

import type { PaymentMethod, PaymentProvider } from '../domain/payment';
import type { PaymentRecord, PaymentStatus } from '../domain/payment-record';

/** A row of the payment register as PostgreSQL stores it. */
export interface PaymentRow {
  payment_id: string;
  merchant_id: string;
  currency: string;
  method: string;
  provider: string;
  shard: number;
  status: string;
  held_minor: bigint | string;
  hold_expires_at: Date | null;
  gross_minor: bigint | string;
  fee_minor: bigint | string;
  refunded_minor: bigint | string;
  /** Absent from inserts (the column defaults to 0). */
  refund_pending_minor?: bigint | string;
  details: string | StoredDetails;
  occurred_at: Date;
}

interface StoredDetails {
  provider_payment_id?: string;
  provider_attributes?: Record<string, string>;
  order_id?: string;
  description?: string;
  /** Absent in rows from before modes: false, as checkout's payments defaulted to. */
  livemode?: boolean;
  /** PaymentRecord.accountsLivemode: set by the account-mode migration on the rows before it. */
  accounts_livemode?: boolean;
}

/** For bindings: bigints as decimal strings, details as JSON text (or as an object, to be
 * embedded in a larger JSON document). */
export function recordToRow(r: PaymentRecord, detailsAsText = true): PaymentRow {
  const details: StoredDetails = {
    provider_payment_id: r.providerPaymentId,
    provider_attributes: r.providerAttributes,
    order_id: r.orderId,
    description: r.description,
    livemode: r.livemode,
    ...(r.accountsLivemode === undefined ? {} : { accounts_livemode: r.accountsLivemode }),
  };
  return {
    payment_id: r.paymentId,
    merchant_id: r.merchantId,
    currency: r.currency,
    method: r.method,
    provider: r.provider,
    shard: r.shard,
    status: r.status,
    held_minor: r.heldMinor.toString(),
    hold_expires_at: r.holdExpiresAt,
    gross_minor: r.grossMinor.toString(),
    fee_minor: r.feeMinor.toString(),
    refunded_minor: r.refundedMinor.toString(),
    refund_pending_minor: r.refundPendingMinor.toString(),
    details: detailsAsText ? JSON.stringify(details) : details,
    occurred_at: r.occurredAt,
  };
}

export function rowToRecord(row: PaymentRow): PaymentRecord {
  const details: StoredDetails =
    typeof row.details === 'string' ? (JSON.parse(row.details) as StoredDetails) : row.details;
  return {
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    currency: row.currency.trim() as CurrencyCode,
    method: row.method as PaymentMethod,
    provider: row.provider as PaymentProvider,
    shard: row.shard,
    status: row.status as PaymentStatus,
    heldMinor: BigInt(row.held_minor),
    holdExpiresAt: row.hold_expires_at,
    grossMinor: BigInt(row.gross_minor),
    feeMinor: BigInt(row.fee_minor),
    refundedMinor: BigInt(row.refunded_minor),
    refundPendingMinor: BigInt(row.refund_pending_minor ?? 0),
    providerPaymentId: details.provider_payment_id ?? '',
    providerAttributes: details.provider_attributes ?? {},
    orderId: details.order_id ?? '',
    description: details.description ?? '',
    livemode: details.livemode ?? false,
    occurredAt: row.occurred_at,
    ...(details.accounts_livemode === undefined
      ? {}
      : { accountsLivemode: details.accounts_livemode }),
  };
}
