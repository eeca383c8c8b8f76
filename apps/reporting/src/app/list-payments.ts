import { unstorableValue } from '@tolem/errors';

import { reportingErrors } from '../domain/errors';
import type { PaymentFact } from '../domain/payment-fact';
import type { PaymentCursor, PaymentFilter, PaymentSearch } from '../domain/ports';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-payment-facts';

export interface ListPaymentsInput {
  filter: PaymentFilter;
  pageSize: number;
  pageToken: string;
}

function invalid(field: string, message: string) {
  return reportingErrors.create('REPORTING_INVALID_REQUEST', message, { details: { field } });
}

/** Opaque to clients: the (created_at, payment_id) of the previous page's last payment. */
export function encodePaymentCursor(cursor: PaymentCursor): string {
  return Buffer.from(
    JSON.stringify({ v: 2, c: cursor.createdAt.toISOString(), p: cursor.paymentId }),
  ).toString('base64url');
}

export function decodePaymentCursor(token: string): PaymentCursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      c?: unknown;
      p?: unknown;
    };
    const createdAt = typeof parsed.c === 'string' ? new Date(parsed.c) : undefined;
    if (
      parsed.v === 2 &&
      createdAt &&
      typeof parsed.p === 'string' &&
      parsed.p &&
      // A forged token's time or id would fail in the database as an internal error.
      !unstorableValue([createdAt, parsed.p])
    ) {
      return { createdAt, paymentId: parsed.p };
    }
  } catch {
    // falls through to the error below
  }
  throw invalid('page_token', 'page_token is not valid');
}

/** The filter's rules, shared by the list and the export: a merchant, and a forward range. */
export function validatePaymentFilter(filter: PaymentFilter): void {
  if (!filter.merchantId) throw invalid('merchant_id', 'merchant_id is required');
  if (
    filter.createdFrom &&
    filter.createdTo &&
    filter.createdFrom.getTime() > filter.createdTo.getTime()
  ) {
    throw invalid('created_from', 'created_from must not be after created_to');
  }
}

/** A merchant's payments matching the filter, newest created first, keyset paged. */
export function makeListPayments(deps: { payments: PaymentSearch }) {
  return async (
    input: ListPaymentsInput,
  ): Promise<{ payments: PaymentFact[]; nextPageToken: string }> => {
    validatePaymentFilter(input.filter);
    if (input.pageSize < 0) throw invalid('page_size', 'page_size must not be negative');
    const limit =
      input.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(input.pageSize, MAX_PAGE_SIZE);
    const rows = await deps.payments.search({
      ...input.filter,
      after: input.pageToken ? decodePaymentCursor(input.pageToken) : undefined,
      order: 'desc',
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      payments: page,
      nextPageToken:
        rows.length > limit && last
          ? encodePaymentCursor({ createdAt: last.createdAt, paymentId: last.paymentId })
          : '',
    };
  };
}
