import { pageRequestOf, unknownCursor } from '../domain/paging';
import type { Page, QrPaymentRepository } from '../domain/ports';
import type { QrCodePayment } from '../domain/qr-payment';
import type { GetQrCode } from './get-qr-code';

export interface ListQrCodePaymentsQuery {
  qrCodeId: string;
  merchantId: string;
  limit: number;
  startingAfter: string;
}

export type ListQrCodePayments = (q: ListQrCodePaymentsQuery) => Promise<Page<QrCodePayment>>;

/** A code's payments newest first (the cash desk's polling); the code is merchant-scoped. */
export function makeListQrCodePayments(deps: {
  getQrCode: GetQrCode;
  payments: QrPaymentRepository;
}): ListQrCodePayments {
  return async (q) => {
    const page = pageRequestOf(q.limit, q.startingAfter);
    const code = await deps.getQrCode(q.qrCodeId, q.merchantId || undefined);
    const result = await deps.payments.listByCode(code.id, page);
    if (!result) throw unknownCursor();
    return result;
  };
}
