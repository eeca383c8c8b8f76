import type { Knex } from '@tolem/db-kit';

import { ZERO_TOTALS } from '../domain/accounts';
import type { BalanceRepository } from '../domain/ports';
import type { AccountStore } from './accounts.store';

interface BalanceRow {
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
}

export function createBalancesRepo(db: Knex, accounts: AccountStore): BalanceRepository {
  return {
    async totalsOf(ref) {
      const account = await accounts.find(db, ref);
      if (!account) return undefined;
      const row: BalanceRow | undefined = await db('balances')
        .where({ account_id: account.id })
        .first();
      return {
        normalSide: account.normalSide,
        totals: row
          ? {
              debitsPosted: row.debits_posted,
              creditsPosted: row.credits_posted,
              debitsPending: row.debits_pending,
              creditsPending: row.credits_pending,
            }
          : ZERO_TOTALS,
      };
    },
  };
}
