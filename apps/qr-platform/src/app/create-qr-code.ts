import { commonErrors } from '@tolem/errors';

import type { QrCodeRepository } from '../domain/ports';
import {
  assertIssuerFits,
  composeQrCode,
  conflictField,
  type QrCode,
  type QrCodeRequest,
  type QrIssuer,
  requestFingerprint,
  validateQrRequest,
} from '../domain/qr-code';

export interface CreateQrCodeDeps {
  codes: QrCodeRepository;
  issuer: QrIssuer;
  /** A new `qr_…` id. */
  newQrId: () => string;
}

export type CreateQrCode = (req: QrCodeRequest) => Promise<{ qrCode: QrCode; replayed: boolean }>;

/**
 * Issues a static or dynamic ELQR code. Idempotent per (merchant, idempotency key): the same
 * request again returns the stored code with replayed=true; a different request under the same
 * key is IDEMPOTENCY_KEY_REUSED naming the first differing field, and nothing is written.
 * Throws at construction when the issuer settings cannot fit ELQR.
 */
export function makeCreateQrCode(deps: CreateQrCodeDeps): CreateQrCode {
  assertIssuerFits(deps.issuer, deps.newQrId());
  return async (req) => {
    const amount = validateQrRequest(req);
    const fingerprint = requestFingerprint(req, amount);
    const candidate = composeQrCode(deps.newQrId(), req, amount, fingerprint, deps.issuer);
    const { qrCode, inserted } = await deps.codes.insertOnce(candidate);
    if (inserted) return { qrCode, replayed: false };
    if (qrCode.requestFingerprint !== fingerprint) {
      const field = conflictField(qrCode, req, amount);
      throw commonErrors.create(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency_key was used for a request with another ${field}`,
        {
          details: { field },
        },
      );
    }
    return { qrCode, replayed: true };
  };
}
