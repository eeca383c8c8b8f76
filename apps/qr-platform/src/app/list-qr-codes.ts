import { qrErrors } from '../domain/errors';
import { pageRequestOf, unknownCursor } from '../domain/paging';
import type { Page, QrCodeRepository } from '../domain/ports';
import type { QrCode, QrKind } from '../domain/qr-code';

export interface ListQrCodesQuery {
  merchantId: string;
  limit: number;
  startingAfter: string;
  kind: QrKind | undefined;
  livemode: boolean | undefined;
}

export type ListQrCodes = (q: ListQrCodesQuery) => Promise<Page<QrCode>>;

/** A merchant's codes, newest first; starting_after must be one of the merchant's codes. */
export function makeListQrCodes(deps: { codes: QrCodeRepository }): ListQrCodes {
  return async (q) => {
    if (!q.merchantId) {
      throw qrErrors.create('QR_INVALID_REQUEST', 'merchant_id is required', {
        details: { field: 'merchant_id' },
      });
    }
    const page = pageRequestOf(q.limit, q.startingAfter);
    const result = await deps.codes.list(
      { merchantId: q.merchantId, kind: q.kind, livemode: q.livemode },
      page,
    );
    if (!result) throw unknownCursor();
    return result;
  };
}
