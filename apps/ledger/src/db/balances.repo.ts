import type { Knex } from '@tolem/db-kit';

import { type Account, type AccountTotals, ZERO_TOTALS } from '../domain/accounts';
import type { TransactionKind } from '../domain/journal';
import type { BalanceRepository, HoldRepository, StatementRow } from '../domain/ports';
import type { AccountStore } from './accounts.store';
import { bind } from './sql';

interface BalanceRow {
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
}

const big = (v: bigint | string | null | undefined): bigint => BigInt(v ?? 0);

/** A cursor's microseconds back to a timestamptz, exactly (no float in between). */
const FROM_MICROS = `(timestamptz 'epoch' + (?::bigint * interval '1 microsecond'))`;

export function createBalancesRepo(
  db: Knex,
  accounts: AccountStore,
): BalanceRepository & HoldRepository {
  async function totals(account: Account, asOf: Date | undefined): Promise<AccountTotals> {
    if (!asOf) {
      const row: BalanceRow | undefined = await db('balances')
        .where({ account_id: account.id })
        .first();
      return row
        ? {
            debitsPosted: row.debits_posted,
            creditsPosted: row.credits_posted,
            debitsPending: row.debits_pending,
            creditsPending: row.credits_pending,
          }
        : ZERO_TOTALS;
    }
    // sum() of bigint is numeric (text here): exact, and it cannot overflow.
    const result = await db.raw(
      `select coalesce(sum(amount_minor) filter (where amount_minor > 0 and not pending), 0)::text as d,
              coalesce(-sum(amount_minor) filter (where amount_minor < 0 and not pending), 0)::text as c,
              coalesce(sum(amount_minor) filter (where amount_minor > 0 and pending), 0)::text as dp,
              coalesce(-sum(amount_minor) filter (where amount_minor < 0 and pending), 0)::text as cp
         from postings where account_id = ? and created_at <= ?`,
      [account.id, asOf],
    );
    const r = (result.rows as { d: string; c: string; dp: string; cp: string }[])[0];
    return {
      debitsPosted: big(r?.d),
      creditsPosted: big(r?.c),
      debitsPending: big(r?.dp),
      creditsPending: big(r?.cp),
    };
  }

  return {
    async totalsOf(ref, asOf) {
      const account = await accounts.find(db, ref);
      if (!account) return undefined;
      return { account, totals: await totals(account, asOf) };
    },

    async totalsById(accountId, asOf) {
      const account = (await accounts.findByIds(db, [accountId])).get(accountId);
      if (!account) return undefined;
      return { account, totals: await totals(account, asOf) };
    },

    findAccounts: (ids) => accounts.findByIds(db, ids),

    listAccounts: (filter) => accounts.list(db, filter),

    async statement({ accountId, from, to, limit, after }) {
      const before = await db.raw(
        `select coalesce(sum(amount_minor), 0)::text as total
           from postings where account_id = ? and not pending and created_at < ?`,
        [accountId, from ?? new Date(0)],
      );
      const bindings: unknown[] = [accountId];
      let where = 'p.account_id = ? and not p.pending';
      if (from) {
        where += ' and p.created_at >= ?';
        bindings.push(from);
      }
      if (to) {
        where += ' and p.created_at < ?';
        bindings.push(to);
      }
      if (after) {
        where += ` and (p.created_at, p.id) > (${FROM_MICROS}, ?::bigint)`;
        bindings.push(after.createdAtMicros.toString(), after.postingId.toString());
      }
      bindings.push(limit);
      const result = await db.raw(
        `select p.id, p.amount_minor, p.created_at,
                (extract(epoch from p.created_at) * 1000000)::bigint as micros,
                t.id as transaction_id, t.kind, t.payment_id
           from postings p join transactions t on t.id = p.transaction_id
          where ${where}
          order by p.created_at, p.id
          limit ?`,
        bind(bindings),
      );
      const rows: StatementRow[] = (
        result.rows as {
          id: bigint;
          amount_minor: bigint;
          created_at: Date;
          micros: bigint;
          transaction_id: string;
          kind: TransactionKind;
          payment_id: string | null;
        }[]
      ).map((r) => ({
        transactionId: r.transaction_id,
        kind: r.kind,
        paymentId: r.payment_id ?? '',
        amountMinor: r.amount_minor,
        createdAt: r.created_at,
        cursor: { createdAtMicros: r.micros, postingId: r.id },
      }));
      return { before: big((before.rows as { total: string }[])[0]?.total), rows };
    },

    async expiredHolds(now, limit) {
      const rows: { payment_id: string }[] = await db('payments')
        .select('payment_id')
        .where({ status: 'held' })
        .andWhere('hold_expires_at', '<', now)
        .orderBy('hold_expires_at')
        .limit(limit);
      return rows.map((r) => r.payment_id);
    },
  };
}
