import {
  type CreateQrCodeRequest,
  QrCode as PbQrCode,
  QrKind as PbQrKind,
} from '@tolem/contracts/qr';

import { qrErrors } from '../domain/errors';
import type { QrCode, QrCodeRequest, QrKind } from '../domain/qr-code';

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
  };
}

export function qrCodeToProto(code: QrCode): PbQrCode {
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
  });
}
