import { checkoutErrors } from '../domain/errors';
import { availableMethods } from '../domain/method-capabilities';
import type { Payment, PaymentMethod, PaymentStatus, PaymentView } from '../domain/payment';
import type { MerchantRepository } from '../domain/ports';

export interface PaymentListFilter {
  merchantId: string;
  status: PaymentStatus | null;
  method: PaymentMethod | null;
  orderId: string;
  createdGte: Date | null;
  createdLt: Date | null;
  /** The API key's mode: only its payments (test and live never mix); null: any (operators). */
  livemode: boolean | null;
}

/** Where a page starts: strictly older or strictly newer than a payment of the same merchant. */
export type PageAnchor =
  | { direction: 'after'; createdAt: Date; id: string }
  | { direction: 'before'; createdAt: Date; id: string }
  | null;

/** The keyset reads behind ListPayments (payments.repo.ts). */
export interface PaymentListReader {
  /** The anchor payment's position and mode, or undefined when it is not this merchant's. */
  positionOf(
    merchantId: string,
    paymentId: string,
  ): Promise<{ createdAt: Date; id: string; livemode: boolean } | undefined>;
  /** Up to `limit` payments, newest first, on the anchor's side. */
  list(filter: PaymentListFilter, anchor: PageAnchor, limit: number): Promise<Payment[]>;
}

export interface ListPaymentsInput extends PaymentListFilter {
  limit: number;
  startingAfter: string;
  endingBefore: string;
}

export const MAX_PAGE_SIZE = 100;

/**
 * One page of a merchant's payments, Stripe style: newest first, `starting_after` (older) or
 * `ending_before` (newer) a payment of the same merchant, `has_more` when the direction asked goes
 * on. The cursor is a payment id, resolved to its (created_at, id) position: another merchant's
 * payment is refused like an unknown one, so ids of others cannot be probed. With the key's mode
 * only that mode's payments are listed, and a cursor of the other mode is refused too.
 */
export function makeListPayments(deps: {
  reader: PaymentListReader;
  merchants: MerchantRepository;
}) {
  return async (input: ListPaymentsInput): Promise<{ views: PaymentView[]; hasMore: boolean }> => {
    if (!input.merchantId) {
      throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', 'merchant_id is required', {
        details: { field: 'merchant_id' },
      });
    }
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_PAGE_SIZE) {
      throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', `limit must be 1..${MAX_PAGE_SIZE}`, {
        details: { field: 'limit' },
      });
    }
    if (input.startingAfter && input.endingBefore) {
      throw checkoutErrors.create(
        'PAYMENT_INVALID_REQUEST',
        'send starting_after or ending_before, not both',
        { details: { field: 'ending_before' } },
      );
    }
    let anchor: PageAnchor = null;
    const cursor = input.startingAfter || input.endingBefore;
    if (cursor) {
      const field = input.startingAfter ? 'starting_after' : 'ending_before';
      const position = await deps.reader.positionOf(input.merchantId, cursor);
      if (!position || (input.livemode !== null && position.livemode !== input.livemode)) {
        throw checkoutErrors.create(
          'PAYMENT_INVALID_REQUEST',
          `${field} is not one of your payments`,
          {
            details: { field },
          },
        );
      }
      anchor = {
        direction: input.startingAfter ? 'after' : 'before',
        createdAt: position.createdAt,
        id: position.id,
      };
    }
    const rows = await deps.reader.list(input, anchor, input.limit + 1);
    const hasMore = rows.length > input.limit;
    // `before` pages are read oldest-first next to the anchor; the extra row is the farthest one.
    const page =
      anchor?.direction === 'before'
        ? rows.slice(0, input.limit).reverse()
        : rows.slice(0, input.limit);
    const merchant = await deps.merchants.findById(input.merchantId);
    const enabled = merchant?.enabledMethods ?? [];
    return {
      views: page.map((payment) => ({
        payment,
        availableMethods: availableMethods(enabled, payment.amount.currency),
      })),
      hasMore,
    };
  };
}
