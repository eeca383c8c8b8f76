import type { Knex } from '@tolem/db-kit';
import {
  OUTBOX_MESSAGES_SQL,
  OUTBOX_TABLE,
  outboxMessagesOf,
  type OutboxRow,
} from '@tolem/kafka-kit';

import type { IntegrityRepository, IntegrityScan } from '../domain/ports';

type Count = { count: bigint | string };

/** The keys of a row's events; a row that does not decode is reported by its own key. */
function unpublishedKeys(row: OutboxRow): string[] {
  try {
    return outboxMessagesOf(row).map((m) => m.key);
  } catch (err) {
    return [`${row.message_key || '?'} (unreadable: ${(err as Error).message})`];
  }
}

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
        // Whole-table scans, unlike a request's statements: the pool's statement timeout is not theirs.
        await trx.raw('set local statement_timeout = 0');
        const count = async (table: string) =>
          big(((await trx(table).count('* as count')) as Count[])[0]?.count);

        // sum() of bigint is numeric (a string here), so no total can overflow or round.
        // Per currency and mode (test money never moves to a live account or back), and so again
        // among pending postings alone (a hold balances itself). A posting without its account
        // (the stray check's) counts as live, as every posting did before modes.
        const unbalanced = await trx.raw(
          `with legs as (
             select p.transaction_id, p.currency || case when a.livemode is false then ' test' else '' end as currency,
                    p.amount_minor, p.pending
               from postings p left join accounts a on a.id = p.account_id
           )
           select transaction_id, currency, total from (
             select transaction_id, currency, sum(amount_minor)::text as total
               from legs group by transaction_id, currency having sum(amount_minor) <> 0
             union all
             select transaction_id, currency || ' pending', sum(amount_minor)::text
               from legs where pending group by transaction_id, currency having sum(amount_minor) <> 0
           ) u order by transaction_id limit ?`,
          [limit],
        );
        const underPosted = await trx.raw(
          `select t.id, count(p.id)::int as postings
             from transactions t left join postings p on p.transaction_id = t.id
            group by t.id having count(p.id) < 2
            order by t.id limit ?`,
          [limit],
        );
        const stray = await trx.raw(
          `select p.id::text as posting_id, p.transaction_id, p.account_id,
                  case when t.id is null then 'no such transaction'
                       when a.id is null then 'no such account'
                       else 'currency ' || p.currency || ', account in ' || a.currency end as problem
             from postings p
             left join transactions t on t.id = p.transaction_id
             left join accounts a on a.id = p.account_id
            where t.id is null or a.id is null or a.currency <> p.currency
            order by p.id limit ?`,
          [limit],
        );
        const mismatches = await trx.raw(
          `with sums as (
             select account_id,
                    coalesce(sum(amount_minor) filter (where amount_minor > 0 and not pending), 0) as debits,
                    coalesce(-sum(amount_minor) filter (where amount_minor < 0 and not pending), 0) as credits,
                    coalesce(sum(amount_minor) filter (where amount_minor > 0 and pending), 0) as debits_pending,
                    coalesce(-sum(amount_minor) filter (where amount_minor < 0 and pending), 0) as credits_pending
               from postings group by account_id
           )
           select coalesce(b.account_id, s.account_id) as account_id,
                  coalesce(b.debits_posted, 0)::text as stored_debits,
                  coalesce(b.credits_posted, 0)::text as stored_credits,
                  coalesce(b.debits_pending, 0)::text as stored_debits_pending,
                  coalesce(b.credits_pending, 0)::text as stored_credits_pending,
                  coalesce(s.debits, 0)::text as posted_debits,
                  coalesce(s.credits, 0)::text as posted_credits,
                  coalesce(s.debits_pending, 0)::text as posted_debits_pending,
                  coalesce(s.credits_pending, 0)::text as posted_credits_pending
             from balances b full join sums s on s.account_id = b.account_id
            where coalesce(b.debits_posted, 0) <> coalesce(s.debits, 0)
               or coalesce(b.credits_posted, 0) <> coalesce(s.credits, 0)
               or coalesce(b.debits_pending, 0) <> coalesce(s.debits_pending, 0)
               or coalesce(b.credits_pending, 0) <> coalesce(s.credits_pending, 0)
            order by 1 limit ?`,
          [limit],
        );
        // Rows and the events in them, in one scan (a batch row holds many).
        const outbox = (
          await trx.raw(
            `select count(*)::text as rows, coalesce(sum(${OUTBOX_MESSAGES_SQL}), 0)::text as messages
               from ${OUTBOX_TABLE}`,
          )
        ).rows[0] as { rows: string; messages: string } | undefined;
        const unpublished = await trx.raw(
          `select id::text, topic, message_key, headers, payload, created_at from ${OUTBOX_TABLE}
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
          strayPostings: (
            stray.rows as {
              posting_id: string;
              transaction_id: string;
              account_id: string;
              problem: string;
            }[]
          ).map((r) => ({
            postingId: r.posting_id,
            transactionId: r.transaction_id,
            accountId: r.account_id,
            problem: r.problem,
          })),
          accounts: await count('accounts'),
          testAccounts: big(
            ((await trx('accounts').where({ livemode: false }).count('* as count')) as Count[])[0]
              ?.count,
          ),
          balanceMismatches: (
            mismatches.rows as {
              account_id: string;
              stored_debits: string;
              stored_credits: string;
              stored_debits_pending: string;
              stored_credits_pending: string;
              posted_debits: string;
              posted_credits: string;
              posted_debits_pending: string;
              posted_credits_pending: string;
            }[]
          ).map((r) => ({
            accountId: r.account_id,
            stored: {
              debits: BigInt(r.stored_debits),
              credits: BigInt(r.stored_credits),
              debitsPending: BigInt(r.stored_debits_pending),
              creditsPending: BigInt(r.stored_credits_pending),
            },
            fromPostings: {
              debits: BigInt(r.posted_debits),
              credits: BigInt(r.posted_credits),
              debitsPending: BigInt(r.posted_debits_pending),
              creditsPending: BigInt(r.posted_credits_pending),
            },
          })),
          outboxRows: big(outbox?.rows),
          outboxMessages: big(outbox?.messages),
          unpublished: (
            unpublished.rows as {
              id: string;
              topic: string;
              message_key: string;
              headers: Record<string, string>;
              payload: Buffer;
              created_at: Date;
            }[]
          ).map((r) => ({
            id: r.id,
            topic: r.topic,
            keys: unpublishedKeys(r),
            createdAt: r.created_at,
          })),
        };
      });
    },
  };
}
