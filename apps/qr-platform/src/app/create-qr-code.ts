import { commonErrors } from '@tolem/errors';
import type { Money } from '@tolem/money';
import type { Clock } from '@tolem/runtime';

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
  clock: Clock;
  /** A new `qr_…` id. */
  newQrId: () => string;
}

export type CreateQrCode = (req: QrCodeRequest) => Promise<{ qrCode: QrCode; replayed: boolean }>;

/**
 * Issues a static or dynamic ELQR code. Idempotent per (merchant, idempotency key): the same
 * request again returns the stored code with replayed=true (also once its expires_at passed); a
 * different request under the same key is IDEMPOTENCY_KEY_REUSED naming the first differing
 * field, and nothing is written. Throws at construction when the issuer settings cannot fit ELQR.
 */
export function makeCreateQrCode(deps: CreateQrCodeDeps): CreateQrCode {
  assertIssuerFits(deps.issuer, deps.newQrId());
  return async (req) => {
    // Validated as of the epoch first: everything but "expires_at is in the future".
    const requested = validateQrRequest(req, new Date(0));
    const fingerprint = requestFingerprint(req, requested);
    const stored = await replayOf(deps.codes, req, requested, fingerprint);
    if (stored) return stored;
    const amount = validateQrRequest(req, deps.clock.now());
    const candidate = composeQrCode(deps.newQrId(), req, amount, fingerprint, deps.issuer);
    const { qrCode, inserted } = await deps.codes.insertOnce(candidate);
    if (inserted) return { qrCode, replayed: false };
    return checkReplay(qrCode, req, amount, fingerprint);
  };
}

/**
 * A retry is answered from the stored code before the expiry is checked against now, so a retry
 * that arrives after expires_at still gets its code instead of QR_EXPIRES_AT_IN_PAST.
 */
async function replayOf(
  codes: QrCodeRepository,
  req: QrCodeRequest,
  amount: Money | undefined,
  fingerprint: string,
): Promise<{ qrCode: QrCode; replayed: boolean } | undefined> {
  if (!req.expiresAt) return undefined;
  const existing = await codes.findByIdempotencyKey(req.merchantId, req.idempotencyKey);
  return existing ? checkReplay(existing, req, amount, fingerprint) : undefined;
}

function checkReplay(
  qrCode: QrCode,
  req: QrCodeRequest,
  amount: Money | undefined,
  fingerprint: string,
): { qrCode: QrCode; replayed: boolean } {
  if (qrCode.requestFingerprint !== fingerprint) {
    const field = conflictField(qrCode, req, amount);
    throw commonErrors.create(
      'IDEMPOTENCY_KEY_REUSED',
      `idempotency_key was used for a request with another ${field}`,
      { details: { field } },
    );
  }
  return { qrCode, replayed: true };
}
