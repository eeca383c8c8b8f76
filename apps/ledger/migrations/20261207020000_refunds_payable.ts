import type { Knex } from '@tolem/db-kit';

/**
 * Refunds in two steps (issue 9): a started refund leaves the merchant's balance at once for
 * refunds payable and counts against what is left to refund until it succeeds (then it counts
 * as refunded) or fails (then it no longer counts). Existing rows have no pending refunds.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments
      add column refund_pending_minor bigint not null default 0 check (refund_pending_minor >= 0)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table payments drop column refund_pending_minor');
}
