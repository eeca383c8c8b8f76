import { newId } from '@tolem/ids';

import { payoutBody, type PayoutCommand, payoutHead, validatePayout } from '../domain/payout';
import type { Clock, JournalRepository } from '../domain/ports';
import { type Written, writtenOf } from './replay';

export interface PostPayoutResult extends Written {
  payoutId: string;
  /** The mode of the balance paid out of (a replay is of the same mode: it is fingerprinted). */
  livemode: boolean;
}

/**
 * Pays a merchant out of its available balance of the payout's mode (LEDGER_INSUFFICIENT_FUNDS
 * unless the merchant may go negative): a live payout never takes test money, however much. The
 * payout id is minted on the first call; a replay returns the original.
 */
export function makePostPayout(deps: { journal: JournalRepository; clock: Clock }) {
  return async (cmd: PayoutCommand): Promise<PostPayoutResult> => {
    const payout = validatePayout(cmd);
    const payoutId = newId('po');
    const head = payoutHead(payout, payoutId);
    const now = deps.clock.now();
    const result = await deps.journal.recordLocked(head, {}, () =>
      payoutBody(payout, payoutId, now),
    );
    const written = writtenOf(result, 'payout', head.fingerprint);
    return { ...written, payoutId: written.transaction.paymentId, livemode: payout.livemode };
  };
}
