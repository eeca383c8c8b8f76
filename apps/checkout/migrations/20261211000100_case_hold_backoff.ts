import type { Knex } from 'knex';

/**
 * A case whose hold the ledger refused (not one it could not be asked) waits before the sweeper
 * asks again, 10 s doubling per refusal up to an hour: retried every round, refused cases at the
 * head of the opening list kept the sweeper from the cases behind them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table cases add column hold_refusals int not null default 0;
    alter table cases add column hold_retry_at timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table cases drop column hold_retry_at;
    alter table cases drop column hold_refusals;
  `);
}
