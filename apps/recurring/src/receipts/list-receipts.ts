import type { Knex } from '@tolem/db-kit';

import { receiptErrors } from './errors';
import type { Receipt } from './receipt';
import { findReceipt, listReceipts } from './receipts.repo';

export interface ReceiptQueries {
  /** The merchant's receipt; of that mode when one is given (another mode's is not found). */
  get(merchantId: string, receiptId: string, livemode?: boolean): Promise<Receipt>;
  list(request: {
    merchantId: string;
    limit: number;
    startingAfter: string;
    endingBefore: string;
    operationId: string;
    paymentId: string;
    status: string;
    livemode?: boolean | undefined;
  }): Promise<{ receipts: Receipt[]; hasMore: boolean }>;
}

const STATUSES = new Set(['', 'pending', 'succeeded', 'canceled']);

function bad(field: string, message: string): never {
  throw receiptErrors.create('RECEIPT_INVALID_REQUEST', message, { details: { field } });
}

/** Reading receipts, always within one merchant: another merchant's receipt is not found. */
export function makeReceiptQueries(db: Knex): ReceiptQueries {
  async function get(merchantId: string, receiptId: string, livemode?: boolean): Promise<Receipt> {
    if (merchantId === '') bad('merchant_id', 'merchant_id is required');
    if (receiptId === '') bad('receipt_id', 'receipt_id is required');
    const receipt = await findReceipt(db, merchantId, receiptId);
    if (!receipt || (livemode !== undefined && receipt.livemode !== livemode)) {
      throw receiptErrors.create('RECEIPT_NOT_FOUND', 'no such receipt', {
        details: { receipt_id: receiptId },
      });
    }
    return receipt;
  }
  return {
    get,
    async list(req) {
      if (req.merchantId === '') bad('merchant_id', 'merchant_id is required');
      const limit = req.limit === 0 ? 10 : req.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        bad('limit', 'limit must be 1..100');
      if (req.startingAfter !== '' && req.endingBefore !== '') {
        bad('starting_after', 'starting_after and ending_before exclude each other');
      }
      if (!STATUSES.has(req.status)) bad('status', 'status must be pending, succeeded or canceled');
      // A cursor must be one of the merchant's receipts (not found otherwise), as in checkout.
      if (req.startingAfter !== '') await get(req.merchantId, req.startingAfter, req.livemode);
      if (req.endingBefore !== '') await get(req.merchantId, req.endingBefore, req.livemode);
      const rows = await listReceipts(db, { ...req, limit: limit + 1 });
      if (req.endingBefore !== '') {
        // Backwards: the extra row, if any, is the oldest one, at the front.
        return {
          receipts: rows.slice(Math.max(0, rows.length - limit)),
          hasMore: rows.length > limit,
        };
      }
      return { receipts: rows.slice(0, limit), hasMore: rows.length > limit };
    },
  };
}
