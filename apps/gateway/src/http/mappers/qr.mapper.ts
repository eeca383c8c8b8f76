import { CreateQrPaymentRequest } from '@tolem/contracts/checkout';
import {
  type CreateQrCodeRequest,
  type QrCode,
  type QrCodePayment,
  QrCodeStatus,
  QrKind,
  type ResolveQrPayloadResponse,
} from '@tolem/contracts/qr';
import { minorFromJson, positiveMoney } from '@tolem/money';

import { gatewayErrors } from '../errors';
import type { CreateQrCodeBody, QrKindName, QrStatusName } from '../qr.schemas';
import { orNull } from './absent';
import { instantFrom, type JsonMinor, minorToJson } from './payment.mapper';

export interface QrCodeJson {
  id: string;
  object: 'qr_code';
  kind: QrKindName;
  status: QrStatusName;
  amount: JsonMinor | null;
  currency: 'KGS';
  description: string | null;
  label: string | null;
  payload: string;
  link: string;
  payment_id: string | null;
  expires_at: string | null;
  livemode: boolean;
  created: string | null;
}

export interface QrPaymentJson {
  object: 'qr_payment';
  qr_code_id: string;
  payment_id: string;
  status: string;
  amount: JsonMinor;
  currency: string;
  payer_bank: string | null;
  updated: string | null;
}

export interface QrDetailsJson {
  object: 'qr_details';
  qr_code_id: string;
  kind: QrKindName;
  status: QrStatusName;
  merchant_name: string;
  amount: JsonMinor | null;
  currency: 'KGS';
  description: string | null;
  label: string | null;
  expires_at: string | null;
  visible_fields: { key: string; label: string; value: string; title: string }[];
}

const timeOrNull = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export function qrKindName(kind: QrKind): QrKindName {
  return kind === QrKind.QR_KIND_STATIC ? 'static' : 'dynamic';
}

export function qrKindFromName(name: QrKindName | undefined): QrKind {
  if (name === undefined) return QrKind.QR_KIND_UNSPECIFIED;
  return name === 'static' ? QrKind.QR_KIND_STATIC : QrKind.QR_KIND_DYNAMIC;
}

/**
 * The code's status as qr-platform derived it (it owns that fact: paid from the payment events,
 * expired from expires_at or its payment, canceled when its payment was canceled or failed). Unset reads as active, which a static code always is.
 */
export function qrStatusName(status: QrCodeStatus): QrStatusName {
  switch (status) {
    case QrCodeStatus.QR_CODE_STATUS_PAID:
      return 'paid';
    case QrCodeStatus.QR_CODE_STATUS_EXPIRED:
      return 'expired';
    case QrCodeStatus.QR_CODE_STATUS_CANCELED:
      return 'canceled';
    case QrCodeStatus.QR_CODE_STATUS_ACTIVE:
    case QrCodeStatus.QR_CODE_STATUS_UNSPECIFIED:
    case QrCodeStatus.UNRECOGNIZED:
      return 'active';
  }
}

export function qrCodeToJson(code: QrCode | undefined): QrCodeJson {
  if (!code) throw gatewayErrors.create('INTERNAL', 'qr-platform answered without a code');
  return {
    id: code.id,
    object: 'qr_code',
    kind: qrKindName(code.kind),
    status: qrStatusName(code.status),
    amount: code.amount ? minorToJson(code.amount.amountMinor) : null,
    currency: 'KGS',
    description: orNull(code.description),
    label: orNull(code.label),
    payload: code.payload,
    link: code.link,
    payment_id: orNull(code.paymentId),
    expires_at: timeOrNull(code.expiresAt),
    livemode: code.livemode,
    created: timeOrNull(code.createdAt),
  };
}

export function qrPaymentToJson(p: QrCodePayment): QrPaymentJson {
  return {
    object: 'qr_payment',
    qr_code_id: p.qrCodeId,
    payment_id: p.paymentId,
    status: p.status,
    amount: minorToJson(p.amount?.amountMinor ?? 0n),
    currency: p.amount?.currency ?? 'KGS',
    payer_bank: orNull(p.payerBank),
    updated: timeOrNull(p.updatedAt ?? p.createdAt),
  };
}

/**
 * What a payer's bank shows before it debits: the code's public facts and the merchant's display
 * name only. Built field by field so nothing else of the code (its merchant id, mode, payment)
 * or of the merchant ever reaches an unauthenticated caller.
 */
export function qrDetailsToJson(
  res: ResolveQrPayloadResponse,
  merchantName: string,
): QrDetailsJson {
  const code = res.qrCode;
  if (!code) throw gatewayErrors.create('INTERNAL', 'qr-platform answered without a code');
  return {
    object: 'qr_details',
    qr_code_id: code.id,
    kind: qrKindName(code.kind),
    status: qrStatusName(code.status),
    merchant_name: merchantName,
    amount: code.amount ? minorToJson(code.amount.amountMinor) : null,
    currency: 'KGS',
    description: orNull(code.description),
    label: orNull(code.label),
    expires_at: timeOrNull(code.expiresAt),
    visible_fields: res.visibleFields.map((f) => ({
      key: f.key,
      label: f.label,
      value: f.value,
      title: f.title,
    })),
  };
}

/** The code's expiry: an instant, or seconds from now; both at once is ambiguous. */
export function qrExpiryFrom(body: CreateQrCodeBody, now: Date): Date | undefined {
  if (body.expires_at !== undefined && body.expires_in !== undefined) {
    throw gatewayErrors.create('VALIDATION_FAILED', 'send expires_at or expires_in, not both', {
      details: { field: 'expires_in' },
    });
  }
  if (body.expires_in !== undefined) return new Date(now.getTime() + body.expires_in * 1000);
  return instantFrom(body.expires_at, 'expires_at');
}

/**
 * A dynamic code's body -> checkout's CreateQrPayment. The amount goes through minorFromJson and
 * positiveMoney, so a float or a zero gets the stable MONEY_* code as a 400 before checkout is
 * asked; the key's mode is the payment's, never the body's.
 */
export function toCreateQrPaymentRequest(
  body: CreateQrCodeBody,
  merchantId: string,
  idempotencyKey: string,
  livemode: boolean,
  now: Date,
): CreateQrPaymentRequest {
  const amount = positiveMoney(minorFromJson(body.amount), body.currency ?? 'KGS');
  return CreateQrPaymentRequest.fromPartial({
    payment: {
      merchantId,
      idempotencyKey,
      amount: { amountMinor: amount.amountMinor, currency: amount.currency },
      orderId: body.order_id ?? '',
      description: body.description ?? '',
      metadata: { ...(body.metadata ?? {}) },
      livemode,
    },
    expiresAt: qrExpiryFrom(body, now),
  });
}

/**
 * A static code's body -> qr-platform's CreateQrCode (no amount: the payer enters it), naming the
 * merchant for the payer's bank app.
 */
export function toCreateStaticQrCodeRequest(
  body: CreateQrCodeBody,
  merchant: { id: string; name: string },
  idempotencyKey: string,
  livemode: boolean,
): CreateQrCodeRequest {
  const merchantId = merchant.id;
  return {
    merchantId,
    idempotencyKey,
    kind: QrKind.QR_KIND_STATIC,
    amount: undefined,
    description: body.description ?? '',
    livemode,
    expiresAt: undefined,
    paymentId: '',
    label: body.label ?? '',
    merchantDisplayName: merchant.name,
  };
}
