import type { BalanceRepository, JournalRepository } from '../domain/ports';
import {
  transferBody,
  type TransferCommand,
  transferHead,
  validateTransfer,
} from '../domain/transfer';
import { replay, type Written, writtenOf } from './replay';

/**
 * A journal entry between existing platform or provider accounts. Checked in TigerBeetle's
 * order: shape, then the key (a replay answers as such), then the accounts.
 */
export function makePostTransaction(deps: {
  journal: JournalRepository;
  balances: Pick<BalanceRepository, 'findAccounts'>;
}) {
  return async (cmd: TransferCommand): Promise<Written> => {
    validateTransfer(cmd);
    const head = transferHead(cmd);
    const existing = await deps.journal.findByIdempotencyKey(cmd.idempotencyKey);
    if (existing)
      return { transaction: replay(existing, 'transfer', head.fingerprint), alreadyExisted: true };
    const accounts = await deps.balances.findAccounts([
      ...new Set(cmd.postings.map((p) => p.accountId)),
    ]);
    const body = transferBody(cmd, accounts);
    const result = await deps.journal.recordLocked(head, {}, () => body);
    return writtenOf(result, 'transfer', head.fingerprint);
  };
}
