import type { Knex } from 'knex';

/**
 * Extra transfers (verified money that did not settle its transaction) are listed for checkout's
 * reconciler in the order they were recorded, like settlements: without it, money whose callback
 * checkout missed (and the provider never resent) opened no case and reached no ledger.
 * extra_recorded_at is when the latest was recorded; a small partial index keeps the scan off
 * the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table provider_transactions add column extra_recorded_at timestamptz;
    update provider_transactions set extra_recorded_at = updated_at
      where extra_transfers <> '[]'::jsonb;
    create index provider_transactions_extra_idx on provider_transactions (extra_recorded_at, id)
      where extra_recorded_at is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists provider_transactions_extra_idx;
    alter table provider_transactions drop column if exists extra_recorded_at;
  `);
}
