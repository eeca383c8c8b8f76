import { ledgerErrors } from '../domain/errors';
import type { PostPaymentCommand } from '../domain/payment';
import type { PostPayment, PostPaymentResult } from './post-payment';

/** TigerBeetle's largest batch: one request never carries more. */
export const MAX_BATCH_ITEMS = 8190;

export type BatchOutcome = { ok: true; value: PostPaymentResult } | { ok: false; error: unknown };

/**
 * Many PostPayment calls in one request: each item is posted, replayed or refused exactly as
 * the single call would be (they share the group commit), and one refusal never affects another.
 */
export function makePostPayments(deps: { postPayment: PostPayment }) {
  /** Items come as thunks so that one malformed item (mapping error) is refused alone. */
  return async (commands: (() => PostPaymentCommand)[]): Promise<BatchOutcome[]> => {
    if (commands.length === 0 || commands.length > MAX_BATCH_ITEMS) {
      throw ledgerErrors.create(
        'LEDGER_INVALID_REQUEST',
        `payments must have 1..${MAX_BATCH_ITEMS} items`,
        {
          details: { field: 'payments' },
        },
      );
    }
    const settled = await Promise.allSettled(commands.map(async (c) => deps.postPayment(c())));
    return settled.map((s) =>
      s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason },
    );
  };
}
