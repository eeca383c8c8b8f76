import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import {
  type Account,
  accountKey,
  type AccountRef,
  type AccountSpec,
  type OwnerType,
} from '../domain/accounts';

export interface AccountRow {
  id: string;
  owner_type: Account['ownerType'];
  owner_id: string;
  purpose: string;
  currency: Account['currency'];
  shard: number;
  livemode: boolean;
  type: Account['type'];
  normal_side: Account['normalSide'];
  allow_negative: boolean;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    ownerType: row.owner_type,
    ownerId: row.owner_id,
    purpose: row.purpose,
    currency: row.currency,
    shard: row.shard,
    livemode: row.livemode,
    type: row.type,
    normalSide: row.normal_side,
    allowNegative: row.allow_negative,
  };
}

/**
 * Accounts by identity, created on first use. Accounts never change once created, so committed
 * ones are cached for the life of the process: the hot path (a merchant's second payment, the
 * shared clearing and fee shards) reads none.
 */
export interface AccountStore {
  /** Resolves (creating missing ones) inside trx; call remember() once trx committed. */
  resolve(trx: Knex.Transaction, specs: readonly AccountSpec[]): Promise<Map<string, Account>>;
  remember(accounts: Iterable<Account>): void;
  /** The accounts of specs from the cache alone; undefined when one is not cached. */
  cached(specs: readonly AccountSpec[]): Map<string, Account> | undefined;
  find(db: Knex, ref: AccountRef): Promise<Account | undefined>;
  findByIds(db: Knex, ids: readonly string[]): Promise<Map<string, Account>>;
  list(
    db: Knex,
    filter: { ownerType: OwnerType; ownerId: string; livemode: boolean; currency?: string },
  ): Promise<Account[]>;
}

export function createAccountStore(): AccountStore {
  const cache = new Map<string, Account>();
  const byId = new Map<string, Account>();
  const remember = (account: Account) => {
    cache.set(accountKey(account), account);
    byId.set(account.id, account);
  };
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
      await trx.raw(
        `insert into accounts (id, owner_type, owner_id, purpose, currency, shard, livemode, type, normal_side, allow_negative)
         select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::smallint[], ?::boolean[], ?::text[], ?::text[], ?::boolean[])
         on conflict (owner_type, owner_id, purpose, currency, shard, livemode) do nothing`,
        [
          wanted.map(() => newId('acc')),
          wanted.map((s) => s.ownerType),
          wanted.map((s) => s.ownerId),
          wanted.map((s) => s.purpose),
          wanted.map((s) => s.currency),
          wanted.map((s) => s.shard),
          wanted.map((s) => s.livemode),
          wanted.map((s) => s.type),
          wanted.map((s) => s.normalSide),
          wanted.map((s) => s.allowNegative),
        ],
      );
      const found = await trx.raw(
        `select a.* from accounts a
           join unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::smallint[], ?::boolean[])
                  as w(owner_type, owner_id, purpose, currency, shard, livemode)
             on a.owner_type = w.owner_type and a.owner_id = w.owner_id and a.purpose = w.purpose
            and a.currency = w.currency and a.shard = w.shard and a.livemode = w.livemode`,
        [
          wanted.map((s) => s.ownerType),
          wanted.map((s) => s.ownerId),
          wanted.map((s) => s.purpose),
          wanted.map((s) => s.currency),
          wanted.map((s) => s.shard),
          wanted.map((s) => s.livemode),
        ],
      );
      for (const row of found.rows as AccountRow[]) {
        const account = toAccount(row);
        resolved.set(accountKey(account), account);
      }
      // Every account has its balance row from the start, so posting is a plain UPDATE. In this
      // transaction: a concurrent creator's row is committed with its account, so either insert
      // finds the other's row and does nothing.
      await trx.raw(
        'insert into balances (account_id) select unnest(?::text[]) on conflict (account_id) do nothing',
        [(found.rows as AccountRow[]).map((r) => r.id).sort()],
      );
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
      for (const account of accounts) remember(account);
    },
    cached(specs) {
      const found = new Map<string, Account>();
      for (const spec of specs) {
        const key = accountKey(spec);
        const account = cache.get(key);
        if (!account) return undefined;
        found.set(key, account);
      }
      return found;
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
          shard: ref.shard,
          livemode: ref.livemode,
        })
        .first();
      if (!row) return undefined;
      const account = toAccount(row);
      remember(account);
      return account;
    },
    async findByIds(db, ids) {
      const found = new Map<string, Account>();
      const missing = ids.filter((id) => {
        const cached = byId.get(id);
        if (cached) found.set(id, cached);
        return !cached;
      });
      if (missing.length > 0) {
        const rows: AccountRow[] = await db('accounts').whereIn('id', missing);
        for (const row of rows) {
          const account = toAccount(row);
          remember(account);
          found.set(account.id, account);
        }
      }
      return found;
    },
    async list(db, filter) {
      const query = db('accounts')
        .where({
          owner_type: filter.ownerType,
          owner_id: filter.ownerId,
          livemode: filter.livemode,
        })
        .orderBy([{ column: 'currency' }, { column: 'purpose' }, { column: 'shard' }])
        .limit(1000);
      if (filter.currency) void query.andWhere({ currency: filter.currency });
      const rows: AccountRow[] = await query;
      return rows.map(toAccount);
    },
  };
}
