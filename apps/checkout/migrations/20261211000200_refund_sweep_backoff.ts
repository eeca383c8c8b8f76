import type { Knex } from 'knex';

/**
 * A refund the sweeper could not move on (a peer away, a provider still pending, a refusal) waits
 * before it is tried again, 10 s doubling up to 10 minutes: tried every round and never
 * changed, such refunds stayed at the head of the sweeper's list and kept it from the others.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table refunds add column sweep_attempts int not null default 0;
    alter table refunds add column sweep_retry_at timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table refunds drop column sweep_retry_at;
    alter table refunds drop column sweep_attempts;
  `);
}
