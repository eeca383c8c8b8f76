import { qrErrors } from '../domain/errors';
import type { QrCodeRepository } from '../domain/ports';
import type { QrCode } from '../domain/qr-code';

export type GetQrCode = (id: string, merchantId?: string) => Promise<QrCode>;

/**
 * Reads one issued code; QR_CODE_NOT_FOUND when no code has the id or, with `merchantId`, when
 * it is another merchant's (the same answer, so ids of other merchants cannot be probed).
 */
export function makeGetQrCode(deps: { codes: QrCodeRepository }): GetQrCode {
  return async (id, merchantId) => {
    if (!id)
      throw qrErrors.create('QR_INVALID_REQUEST', 'qr_code_id is required', {
        details: { field: 'qr_code_id' },
      });
    const code = await deps.codes.findById(id);
    if (!code || (merchantId && code.merchantId !== merchantId)) {
      throw qrErrors.create('QR_CODE_NOT_FOUND', `no QR code ${id}`, {
        details: { qr_code_id: id },
      });
    }
    return code;
  };
}
