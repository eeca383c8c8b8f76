import { qrErrors } from './errors';
import type { PageRequest } from './ports';

export const DEFAULT_PAGE_LIMIT = 10;
export const MAX_PAGE_LIMIT = 100;

/** limit 0 (unset) is the default 10; anything else outside 1..100 is refused, naming the field. */
export function pageRequestOf(limit: number, startingAfter: string): PageRequest {
  if (limit !== 0 && (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT)) {
    throw qrErrors.create('QR_INVALID_REQUEST', `limit must be 1..${MAX_PAGE_LIMIT}`, {
      details: { field: 'limit' },
    });
  }
  return { limit: limit || DEFAULT_PAGE_LIMIT, startingAfter: startingAfter || undefined };
}

export function unknownCursor(): Error {
  return qrErrors.create('QR_INVALID_REQUEST', 'starting_after is not an item of this list', {
    details: { field: 'starting_after' },
  });
}
