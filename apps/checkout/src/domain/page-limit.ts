import { type CheckoutErrorCode, checkoutErrors } from './errors';

/**
 * A list request's page size: 0 (proto's unset) means `fallback`; otherwise 1..`max`, else the
 * request is refused with `code` naming the field.
 */
export function pageLimit(
  requested: number,
  options: { fallback: number; max: number; code: CheckoutErrorCode },
): number {
  const limit = requested === 0 ? options.fallback : requested;
  if (!Number.isInteger(limit) || limit < 1 || limit > options.max) {
    throw checkoutErrors.create(options.code, `limit must be 1..${options.max}`, {
      details: { field: 'limit' },
    });
  }
  return limit;
}
