import type { Knex } from '@tolem/db-kit';

/**
 * Less work per posted transfer, found by profiling the batch write (perf, pg_waldump):
 * - balances: a running total is rewritten by every batch; with full pages each rewrite was a
 *   non-HOT update that added an index entry, and the ON CONFLICT probe then walked the dead
 *   versions of the hot system accounts. Free space on the page keeps the updates HOT.
 * - postings: the bigserial primary key index had no reader (postings are read by transaction
 *   and by account and time); dropping it saves one index insert per posting. The id column
 *   stays: it orders postings within an account (postings_account_time_idx).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table balances set (fillfactor = 50);
    alter table postings drop constraint postings_pkey;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table postings add primary key (id);
    alter table balances reset (fillfactor);
  `);
}
