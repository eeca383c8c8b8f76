import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Money a provider verifiably moved for a transaction that does not settle it as itself (another
  // amount, a second transfer, a success after failure): kept beside the first settlement, never
  // over it, so a resend of the same transfer is recognised and answered the same way.
  await knex.raw(`
    alter table provider_transactions
      add column extra_transfers jsonb not null default '[]'::jsonb;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table provider_transactions drop column if exists extra_transfers;`);
}
