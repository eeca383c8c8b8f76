import { invalidField } from '../domain/errors';
import type { PageAnchor, PagedReader } from '../domain/ports';

export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  merchantId: string;
  limit: number;
  startingAfter: string;
  endingBefore: string;
}

/**
 * One page, exactly as CheckoutService.ListPayments: newest first, `starting_after` (older) or
 * `ending_before` (newer) an object of the same merchant, `has_more` when the direction asked goes
 * on. Another merchant's cursor, or another mode's, is refused like an unknown one, so ids cannot
 * be probed.
 */
export async function readPage<F extends { merchantId: string; livemode: boolean | null }, T>(
  reader: PagedReader<F, T>,
  page: PageRequest,
  filter: F,
  noun: string,
): Promise<{ items: T[]; hasMore: boolean }> {
  if (!page.merchantId)
    throw invalidField('RECURRING_INVALID_REQUEST', 'merchant_id', 'merchant_id is required');
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE_SIZE) {
    throw invalidField('RECURRING_INVALID_REQUEST', 'limit', `limit must be 1..${MAX_PAGE_SIZE}`);
  }
  if (page.startingAfter && page.endingBefore) {
    throw invalidField(
      'RECURRING_INVALID_REQUEST',
      'ending_before',
      'send starting_after or ending_before, not both',
    );
  }
  let anchor: PageAnchor = null;
  const cursor = page.startingAfter || page.endingBefore;
  if (cursor) {
    const field = page.startingAfter ? 'starting_after' : 'ending_before';
    const position = await reader.positionOf(page.merchantId, cursor, filter.livemode);
    if (!position)
      throw invalidField('RECURRING_INVALID_REQUEST', field, `${field} is not one of your ${noun}`);
    anchor = { direction: page.startingAfter ? 'after' : 'before', ...position };
  }
  const rows = await reader.list(filter, anchor, page.limit + 1);
  const hasMore = rows.length > page.limit;
  // `before` pages are read oldest-first next to the anchor; the extra row is the farthest one.
  const items =
    anchor?.direction === 'before'
      ? rows.slice(0, page.limit).reverse()
      : rows.slice(0, page.limit);
  return { items, hasMore };
}
