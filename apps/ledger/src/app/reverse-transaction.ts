import { ledgerErrors } from '../domain/errors';
import type { Clock, JournalRepository } from '../domain/ports';
import {
  decideReversal,
  reversalHead,
  type ReverseCommand,
  validateReverse,
} from '../domain/reversal';
import { replay, type Written, writtenOf } from './replay';

/**
 * Reverses a payment, refund, payout or transfer with its mirror postings, once. The key is
 * looked at first, so a replay answers as such even if the original has moved on since.
 */
export function makeReverseTransaction(deps: { journal: JournalRepository; clock: Clock }) {
  return async (cmd: ReverseCommand): Promise<Written> => {
    validateReverse(cmd);
    const fingerprint = { transaction_id: cmd.transactionId, reason: cmd.reason };
    const existing = await deps.journal.findByIdempotencyKey(cmd.idempotencyKey);
    if (existing)
      return { transaction: replay(existing, 'reversal', fingerprint), alreadyExisted: true };
    const found = await deps.journal.findTransaction(cmd.transactionId);
    if (!found) {
      throw ledgerErrors.create(
        'LEDGER_TRANSACTION_NOT_FOUND',
        `transaction ${cmd.transactionId} not found`,
        {
          details: { field: 'transaction_id' },
        },
      );
    }
    const head = reversalHead(cmd, found.transaction);
    const now = deps.clock.now();
    const result = await deps.journal.recordLocked(
      head,
      { transactionId: found.transaction.id, paymentId: found.transaction.paymentId || undefined },
      (state) => decideReversal(cmd, state, now),
    );
    return writtenOf(result, 'reversal', head.fingerprint);
  };
}
