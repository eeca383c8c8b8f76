import {
  type CreateQrCodeRequest,
  QrCode as PbQrCode,
  QrCodePayment as PbQrCodePayment,
  QrCodeStatus as PbQrCodeStatus,
  QrKind as PbQrKind,
} from '@tolem/contracts/qr';

import { qrErrors } from '../domain/errors';
import {
  type QrCode,
  type QrCodeRequest,
  type QrCodeStatus,
  qrCodeStatus,
  type QrKind,
} from '../domain/qr-code';
import type { QrCodePayment } from '../domain/qr-payment';

function kindFromProto(kind: PbQrKind): QrKind {
  switch (kind) {
    case PbQrKind.QR_KIND_STATIC:
      return 'static';
    case PbQrKind.QR_KIND_DYNAMIC:
      return 'dynamic';
    default:
      throw qrErrors.create('QR_INVALID_REQUEST', 'kind must be STATIC or DYNAMIC', {
        details: { field: 'kind' },
      });
  }
}

/** A list filter: UNSPECIFIED means every kind. */
export function kindFilterFromProto(kind: PbQrKind): QrKind | undefined {
  return kind === PbQrKind.QR_KIND_UNSPECIFIED ? undefined : kindFromProto(kind);
}

/** Shape only; the use case validates content so the rules live (and are tested) in one place. */
export function createRequestToDomain(req: CreateQrCodeRequest): QrCodeRequest {
  return {
    merchantId: req.merchantId,
    idempotencyKey: req.idempotencyKey,
    kind: kindFromProto(req.kind),
    amount: req.amount
      ? { amountMinor: req.amount.amountMinor, currency: req.amount.currency }
      : undefined,
    description: req.description,
    livemode: req.livemode,
    expiresAt: req.expiresAt,
    paymentId: req.paymentId,
    label: req.label,
    merchantDisplayName: req.merchantDisplayName,
  };
}

export function statusToProto(status: QrCodeStatus): PbQrCodeStatus {
  switch (status) {
    case 'active':
      return PbQrCodeStatus.QR_CODE_STATUS_ACTIVE;
    case 'paid':
      return PbQrCodeStatus.QR_CODE_STATUS_PAID;
    case 'expired':
      return PbQrCodeStatus.QR_CODE_STATUS_EXPIRED;
    case 'canceled':
      return PbQrCodeStatus.QR_CODE_STATUS_CANCELED;
  }
}

/** The code with its status as of `now` (derived: expiry needs no event). */
export function qrCodeToProto(code: QrCode, now: Date): PbQrCode {
  return PbQrCode.fromPartial({
    id: code.id,
    merchantId: code.merchantId,
    kind: code.kind === 'static' ? PbQrKind.QR_KIND_STATIC : PbQrKind.QR_KIND_DYNAMIC,
    amount: code.amount
      ? { amountMinor: code.amount.amountMinor, currency: code.amount.currency }
      : undefined,
    description: code.description,
    payload: code.payload,
    link: code.link,
    createdAt: code.createdAt,
    livemode: code.livemode,
    expiresAt: code.expiresAt,
    paymentId: code.paymentId,
    status: statusToProto(qrCodeStatus(code, now)),
    label: code.label,
  });
}

export function qrPaymentToProto(p: QrCodePayment): PbQrCodePayment {
  return PbQrCodePayment.fromPartial({
    qrCodeId: p.qrCodeId,
    paymentId: p.paymentId,
    status: p.status,
    amount: { amountMinor: p.amount.amountMinor, currency: p.amount.currency },
    payerBank: p.payerBank,
    eventId: p.eventId,
    sequence: p.sequence,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  });
}
