import { unstorableValue } from '@tolem/errors';

import { reportingErrors } from '../domain/errors';
import type { PaymentFact } from '../domain/payment-fact';
import type { FactCursor, PaymentFactRepository } from '../domain/ports';

export interface ListPaymentFactsInput {
  merchantId: string;
  from: Date | undefined;
  to: Date | undefined;
  pageSize: number;
  pageToken: string;
  /** Only test (false) or live (true) facts; absent: both (operators). */
  livemode?: boolean;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

function invalid(field: string, message: string) {
  return reportingErrors.create('REPORTING_INVALID_REQUEST', message, { details: { field } });
}

/** Opaque to clients; today the (occurred_at, payment_id) of the previous page's last fact. */
export function encodePageToken(cursor: FactCursor): string {
  return Buffer.from(
    JSON.stringify({ v: 1, o: cursor.occurredAt.toISOString(), p: cursor.paymentId }),
  ).toString('base64url');
}

export function decodePageToken(token: string): FactCursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      o?: unknown;
      p?: unknown;
    };
    const occurredAt = typeof parsed.o === 'string' ? new Date(parsed.o) : undefined;
    if (
      parsed.v === 1 &&
      occurredAt &&
      typeof parsed.p === 'string' &&
      parsed.p &&
      // A forged token's time or id would fail in the database as an internal error.
      !unstorableValue([occurredAt, parsed.p])
    ) {
      return { occurredAt, paymentId: parsed.p };
    }
  } catch {
    // falls through to the error below
  }
  throw invalid('page_token', 'page_token is not valid');
}

/** A merchant's facts with occurred_at in [from, to), newest first, keyset paged. */
export function makeListPaymentFacts(deps: { facts: PaymentFactRepository }) {
  return async (
    input: ListPaymentFactsInput,
  ): Promise<{ facts: PaymentFact[]; nextPageToken: string }> => {
    if (!input.merchantId) throw invalid('merchant_id', 'merchant_id is required');
    if (input.pageSize < 0) throw invalid('page_size', 'page_size must not be negative');
    if (input.from && input.to && input.from.getTime() > input.to.getTime()) {
      throw invalid('from', 'from must not be after to');
    }
    const limit =
      input.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(input.pageSize, MAX_PAGE_SIZE);
    const rows = await deps.facts.list({
      merchantId: input.merchantId,
      from: input.from,
      to: input.to,
      livemode: input.livemode,
      after: input.pageToken ? decodePageToken(input.pageToken) : undefined,
      order: 'desc',
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      facts: page,
      nextPageToken:
        rows.length > limit && last
          ? encodePageToken({ occurredAt: last.occurredAt, paymentId: last.paymentId })
          : '',
    };
  };
}
