import type { Knex } from '@tolem/db-kit';
import { OUTBOX_TABLE } from '@tolem/kafka-kit';

import type { IntegrityRepository, IntegrityScan } from '../domain/ports';

type Count = { count: bigint | string };

const big = (v: bigint | string | null | undefined): bigint => BigInt(v ?? 0);

/**
 * The integrity scans, in one read-only repeatable-read transaction: postings and balances are
 * compared at one snapshot, so a payment committing mid-check cannot look like a mismatch.
 */
export function createIntegrityRepo(db: Knex): IntegrityRepository {
  return {
    async scan({ outboxGraceMs, limit }): Promise<IntegrityScan> {
      return db.transaction(async (trx) => {
        await trx.raw('set transaction isolation level repeatable read, read only');
        const count = async (table: string) =>
          big(((await trx(table).count('* as count')) as Count[])[0]?.count);

        // sum() of bigint is numeric (a string here), so no total can overflow or round.
        const unbalanced = await trx.raw(
          `select transaction_id, currency, sum(amount_minor)::text as total
             from postings group by transaction_id, currency
           having sum(amount_minor) <> 0
            order by transaction_id limit ?`,
          [limit],
        );
        const underPosted = await trx.raw(
          `select t.id, count(p.id)::int as postings
             from transactions t left join postings p on p.transaction_id = t.id
            group by t.id having count(p.id) < 2
            order by t.id limit ?`,
          [limit],
        );
        const mismatches = await trx.raw(
          `with sums as (
             select account_id,
                    coalesce(sum(amount_minor) filter (where amount_minor > 0), 0) as debits,
                    coalesce(-sum(amount_minor) filter (where amount_minor < 0), 0) as credits
               from postings group by account_id
           )
           select coalesce(b.account_id, s.account_id) as account_id,
                  coalesce(b.debits_posted, 0)::text as stored_debits,
                  coalesce(b.credits_posted, 0)::text as stored_credits,
                  coalesce(s.debits, 0)::text as posted_debits,
                  coalesce(s.credits, 0)::text as posted_credits
             from balances b full join sums s on s.account_id = b.account_id
            where coalesce(b.debits_posted, 0) <> coalesce(s.debits, 0)
               or coalesce(b.credits_posted, 0) <> coalesce(s.credits, 0)
            order by 1 limit ?`,
          [limit],
        );
        const unpublished = await trx.raw(
          `select id::text, topic, message_key, created_at from ${OUTBOX_TABLE}
            where published_at is null and created_at < now() - make_interval(secs => ?::double precision / 1000)
            order by id limit ?`,
          [outboxGraceMs, limit],
        );

        return {
          transactions: await count('transactions'),
          postings: await count('postings'),
          unbalanced: (
            unbalanced.rows as { transaction_id: string; currency: string; total: string }[]
          ).map((r) => ({
            transactionId: r.transaction_id,
            currency: r.currency,
            sum: BigInt(r.total),
          })),
          underPosted: (underPosted.rows as { id: string; postings: number }[]).map((r) => ({
            transactionId: r.id,
            postings: r.postings,
          })),
          accounts: await count('accounts'),
          balanceMismatches: (
            mismatches.rows as {
              account_id: string;
              stored_debits: string;
              stored_credits: string;
              posted_debits: string;
              posted_credits: string;
            }[]
          ).map((r) => ({
            accountId: r.account_id,
            stored: { debits: BigInt(r.stored_debits), credits: BigInt(r.stored_credits) },
            fromPostings: { debits: BigInt(r.posted_debits), credits: BigInt(r.posted_credits) },
          })),
          outboxRows: await count(OUTBOX_TABLE),
          unpublished: (
            unpublished.rows as {
              id: string;
              topic: string;
              message_key: string;
              created_at: Date;
            }[]
          ).map((r) => ({ id: r.id, topic: r.topic, key: r.message_key, createdAt: r.created_at })),
        };
      });
    },
  };
}
