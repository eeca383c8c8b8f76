import { checkoutErrors } from '../domain/errors';
import type { Merchant } from '../domain/merchant';
import type { MerchantRepository } from '../domain/ports';

export interface ListMerchantsDeps {
  merchants: MerchantRepository;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/**
 * Merchants oldest first. The page token is the last id of the previous page (ids are
 * time-sortable), base64url so callers treat it as opaque.
 */
export function makeListMerchants(deps: ListMerchantsDeps) {
  return async (input: {
    pageSize: number;
    pageToken: string;
  }): Promise<{ merchants: Merchant[]; nextPageToken: string }> => {
    const size = input.pageSize === 0 ? DEFAULT_PAGE : input.pageSize;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
      throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', 'page_size must be 1..200', {
        details: { field: 'page_size' },
      });
    }
    let after: string | null = null;
    if (input.pageToken !== '') {
      after = Buffer.from(input.pageToken, 'base64url').toString('utf8');
      if (!/^mer_[0-9A-Za-z]+$/.test(after)) {
        throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', 'page_token is not valid', {
          details: { field: 'page_token' },
        });
      }
    }
    const rows = await deps.merchants.list(after, size + 1);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    const nextPageToken =
      rows.length > size && last ? Buffer.from(last.id, 'utf8').toString('base64url') : '';
    return { merchants: page, nextPageToken };
  };
}
