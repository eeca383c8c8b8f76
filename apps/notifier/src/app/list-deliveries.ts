import type { Delivery, DeliveryStatus } from '../domain/delivery';
import { notifierErrors } from '../domain/errors';
import type { DeliveryQueries } from '../domain/ports';

export interface ListDeliveriesInput {
  merchantId: string;
  paymentId: string;
  /** '' or absent = every endpoint. */
  endpointId?: string;
  status?: DeliveryStatus;
  /** The caller's mode: only that mode's deliveries (unset, an operator: both). */
  livemode?: boolean;
  pageSize: number;
  pageToken: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

const TOKEN_PREFIX = 'dlv1:';

/** Opaque to clients; today the last id of the previous page. */
export function encodePageToken(lastId: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${lastId}`, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX) || text.length === TOKEN_PREFIX.length) {
    throw notifierErrors.create('NOTIFIER_INVALID_REQUEST', 'page_token is not valid', {
      details: { field: 'page_token' },
    });
  }
  return text.slice(TOKEN_PREFIX.length);
}

/** A merchant's delivery log, newest first, optionally for one payment, endpoint or status; keyset paged. */
export function makeListDeliveries(deps: { deliveryQueries: DeliveryQueries }) {
  return async (
    input: ListDeliveriesInput,
  ): Promise<{ deliveries: Delivery[]; nextPageToken: string }> => {
    if (!input.merchantId) {
      throw notifierErrors.create('NOTIFIER_INVALID_REQUEST', 'merchant_id is required', {
        details: { field: 'merchant_id' },
      });
    }
    if (input.pageSize < 0) {
      throw notifierErrors.create('NOTIFIER_INVALID_REQUEST', 'page_size must not be negative', {
        details: { field: 'page_size' },
      });
    }
    const limit =
      input.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(input.pageSize, MAX_PAGE_SIZE);
    const rows = await deps.deliveryQueries.list({
      merchantId: input.merchantId,
      paymentId: input.paymentId || undefined,
      endpointId: input.endpointId || undefined,
      status: input.status,
      ...(input.livemode !== undefined ? { livemode: input.livemode } : {}),
      beforeId: input.pageToken ? decodePageToken(input.pageToken) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      deliveries: page,
      nextPageToken: rows.length > limit && last ? encodePageToken(last.id) : '',
    };
  };
}
