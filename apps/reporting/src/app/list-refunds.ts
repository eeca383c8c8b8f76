import { unstorableValue } from '@tolem/errors';

import { reportingErrors } from '../domain/errors';
import type { RefundCursor, RefundFactRepository } from '../domain/ports';
import type { RefundFact } from '../domain/refund-fact';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-payment-facts';

function invalid(field: string, message: string) {
  return reportingErrors.create('REPORTING_INVALID_REQUEST', message, { details: { field } });
}

function encode(c: RefundCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, s: c.statusAt.toISOString(), r: c.refundId })).toString(
    'base64url',
  );
}

function decode(token: string): RefundCursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      s?: unknown;
      r?: unknown;
    };
    const statusAt = typeof parsed.s === 'string' ? new Date(parsed.s) : undefined;
    if (
      parsed.v === 1 &&
      statusAt &&
      typeof parsed.r === 'string' &&
      parsed.r &&
      // A forged token's time or id would fail in the database as an internal error.
      !unstorableValue([statusAt, parsed.r])
    ) {
      return { statusAt, refundId: parsed.r };
    }
  } catch {
    // falls through to the error below
  }
  throw invalid('page_token', 'page_token is not valid');
}

/** A merchant's refunds (optionally one payment's), latest status change first, keyset paged. */
export function makeListRefunds(deps: { refunds: RefundFactRepository }) {
  return async (input: {
    merchantId: string;
    paymentId: string;
    pageSize: number;
    pageToken: string;
    /** Only test (false) or live (true) refunds; absent: both (operators). */
    livemode?: boolean;
  }): Promise<{ refunds: RefundFact[]; nextPageToken: string }> => {
    if (!input.merchantId) throw invalid('merchant_id', 'merchant_id is required');
    if (input.pageSize < 0) throw invalid('page_size', 'page_size must not be negative');
    const limit =
      input.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(input.pageSize, MAX_PAGE_SIZE);
    const rows = await deps.refunds.list({
      merchantId: input.merchantId,
      paymentId: input.paymentId || undefined,
      livemode: input.livemode,
      after: input.pageToken ? decode(input.pageToken) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      refunds: page,
      nextPageToken:
        rows.length > limit && last
          ? encode({ statusAt: last.statusAt, refundId: last.refundId })
          : '',
    };
  };
}
