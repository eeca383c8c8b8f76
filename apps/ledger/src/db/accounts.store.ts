import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import { type Account, accountKey, type AccountRef, type AccountSpec } from '../domain/accounts';

interface AccountRow {
  id: string;
  owner_type: Account['ownerType'];
  owner_id: string;
  purpose: string;
  currency: Account['currency'];
  type: Account['type'];
  normal_side: Account['normalSide'];
  allow_negative: boolean;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    ownerType: row.owner_type,
    ownerId: row.owner_id,
    purpose: row.purpose,
    currency: row.currency,
    type: row.type,
    normalSide: row.normal_side,
    allowNegative: row.allow_negative,
  };
}

/**
 * Accounts by identity, created on first use. Accounts never change once created, so committed
 * ones are cached for the life of the process: the hot path (a merchant's second payment, the
 * shared clearing and fee accounts) reads none.
 */
export interface AccountStore {
  /** Resolves (creating missing ones) inside trx; call remember() once trx committed. */
  resolve(trx: Knex.Transaction, specs: readonly AccountSpec[]): Promise<Map<string, Account>>;
  remember(accounts: Iterable<Account>): void;
  find(db: Knex, ref: AccountRef): Promise<Account | undefined>;
}

export function createAccountStore(): AccountStore {
  const cache = new Map<string, Account>();
  return {
    async resolve(trx, specs) {
      const resolved = new Map<string, Account>();
      const missing = new Map<string, AccountSpec>();
      for (const spec of specs) {
        const key = accountKey(spec);
        const cached = cache.get(key);
        if (cached) resolved.set(key, cached);
        else missing.set(key, spec);
      }
      if (missing.size === 0) return resolved;
      // Sorted, so two writers creating the same new accounts lock them in the same order.
      const wanted = [...missing.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, spec]) => spec);
      // A concurrent creator makes our insert wait for its commit and then do nothing; the
      // select below (a new snapshot under read committed) sees its row either way.
      await trx('accounts')
        .insert(
          wanted.map((s) => ({
            id: newId('acc'),
            owner_type: s.ownerType,
            owner_id: s.ownerId,
            purpose: s.purpose,
            currency: s.currency,
            type: s.type,
            normal_side: s.normalSide,
            allow_negative: s.allowNegative,
          })),
        )
        .onConflict(['owner_type', 'owner_id', 'purpose', 'currency'])
        .ignore();
      const rows: AccountRow[] = await trx('accounts').whereIn(
        ['owner_type', 'owner_id', 'purpose', 'currency'],
        wanted.map((s) => [s.ownerType, s.ownerId, s.purpose, s.currency]),
      );
      for (const row of rows) {
        const account = toAccount(row);
        resolved.set(accountKey(account), account);
      }
      for (const [key, spec] of missing) {
        const account = resolved.get(key);
        if (!account) throw new Error(`account ${key} missing after insert`);
        if (account.type !== spec.type || account.normalSide !== spec.normalSide) {
          throw new Error(
            `account ${key} exists as ${account.type}/${account.normalSide}, chart says ${spec.type}/${spec.normalSide}`,
          );
        }
      }
      return resolved;
    },
    remember(accounts) {
      for (const account of accounts) cache.set(accountKey(account), account);
    },
    async find(db, ref) {
      const key = accountKey(ref);
      const cached = cache.get(key);
      if (cached) return cached;
      const row: AccountRow | undefined = await db('accounts')
        .where({
          owner_type: ref.ownerType,
          owner_id: ref.ownerId,
          purpose: ref.purpose,
          currency: ref.currency,
        })
        .first();
      if (!row) return undefined;
      const account = toAccount(row);
      cache.set(key, account);
      return account;
    },
  };
}
