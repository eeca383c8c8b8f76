import {
  GetReceiptResponse,
  ListReceiptsResponse,
  Receipt as PbReceipt,
  type RecurringServiceService,
} from '@tolem/contracts/recurring';
import type { Handlers } from '@tolem/grpc-kit';

import type { ReceiptQueries } from '../receipts/list-receipts';
import type { Receipt } from '../receipts/receipt';

/** Receipt → proto; the customer's phone is returned to its merchant, never logged. */
export function receiptToProto(r: Receipt): PbReceipt {
  return PbReceipt.fromPartial({
    id: r.id,
    merchantId: r.merchantId,
    type: r.type,
    paymentId: r.paymentId,
    operationId: r.operationId,
    chargeId: r.chargeId,
    customer: {
      email: r.customer.email,
      phone: r.customer.phone,
      fullName: r.customer.fullName,
      inn: r.customer.inn,
    },
    items: r.items.map((i) => ({
      description: i.description,
      quantity: i.quantity,
      amount: { amountMinor: i.amount.amountMinor, currency: i.amount.currency },
      vatCode: i.vatCode,
      paymentSubject: i.paymentSubject,
      paymentMode: i.paymentMode,
    })),
    taxSystemCode: r.taxSystemCode,
    status: r.status,
    fiscalDocumentNumber: r.fiscalDocumentNumber,
    fiscalStorageNumber: r.fiscalStorageNumber,
    fiscalAttribute: r.fiscalAttribute,
    registeredAt: r.registeredAt,
    sendAttempts: r.sendAttempts,
    lastError: r.lastError,
    createdAt: r.createdAt,
    registerReceiptId: r.registerReceiptId,
    settlement: { amountMinor: r.settlement.amountMinor, currency: r.settlement.currency },
    livemode: r.livemode,
  });
}

export type ReceiptHandlers = Pick<
  Handlers<typeof RecurringServiceService>,
  'getReceipt' | 'listReceipts'
>;

/**
 * GetReceipt and ListReceipts, as a group the service's handler object spreads in
 * (`{ ...receiptHandlers({ receipts }), … }`). Thin: map, query, map back; grpc-kit maps errors.
 */
export function receiptHandlers(deps: { receipts: ReceiptQueries }): ReceiptHandlers {
  return {
    async getReceipt(req) {
      const receipt = await deps.receipts.get(req.merchantId, req.receiptId, req.livemode);
      return GetReceiptResponse.fromPartial({ receipt: receiptToProto(receipt) });
    },
    async listReceipts(req) {
      const { receipts, hasMore } = await deps.receipts.list(req);
      return ListReceiptsResponse.fromPartial({ receipts: receipts.map(receiptToProto), hasMore });
    },
  };
}
