import { qrErrors } from '../domain/errors';
import type { QrCodeRepository } from '../domain/ports';
import type { QrCode } from '../domain/qr-code';
import {
  codeIdOfPayment,
  isIssuedPayload,
  parseScannedPayload,
  payloadOfInput,
  type VisibleField,
  visibleFieldsOf,
} from '../domain/resolve';

export type ResolveQrPayload = (
  input: string,
) => Promise<{ qrCode: QrCode; visibleFields: VisibleField[] }>;

/**
 * The payer's bank side: the code behind a scanned payload or link, and the fields to show.
 * Malformed input is INVALID_ARGUMENT with the codec's ELQR_* code (checksum verified); a payload
 * that names no code Tolem issued, or differs from the issued text in any character, is
 * QR_CODE_NOT_FOUND, so a forged amount or merchant is never shown as a Tolem code.
 */
export function makeResolveQrPayload(deps: { codes: QrCodeRepository }): ResolveQrPayload {
  return async (input) => {
    const payload = payloadOfInput(input);
    const payment = parseScannedPayload(payload);
    const id = codeIdOfPayment(payment);
    const code = id ? await deps.codes.findById(id) : undefined;
    if (!code || !isIssuedPayload(code, payment, payload)) {
      throw qrErrors.create('QR_CODE_NOT_FOUND', 'the payload is not a code Tolem issued', {
        details: { field: 'payload' },
      });
    }
    return { qrCode: code, visibleFields: visibleFieldsOf(payment) };
  };
}
