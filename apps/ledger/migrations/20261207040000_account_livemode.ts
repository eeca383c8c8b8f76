import type { Knex } from '@tolem/db-kit';

/**
 * Test and live money in separate accounts (issue 9): a test key's payments post to test
 * accounts, which no live balance, statement or payout ever reads, as Stripe keeps test and live
 * balances apart. The mode is part of every account's identity, system accounts included, so
 * each mode's books balance on their own. Existing accounts are live, as they were used.
 *
 * Test payments and cases from before have their money in those (now live) accounts: their rows
 * say so (details.accounts_livemode), so that their refunds, captures, voids and resolutions
 * move the money where it is and the books keep balancing per mode.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table accounts add column livemode boolean not null default true;
    alter table accounts drop constraint accounts_identity_key;
    alter table accounts add constraint accounts_identity_key
      unique (owner_type, owner_id, purpose, currency, shard, livemode);
    update payments set details = details || '{"accounts_livemode": true}'::jsonb
     where not coalesce((details->>'livemode')::boolean, false);
    update unapplied_funds set details = details || '{"accounts_livemode": true}'::jsonb
     where not coalesce((details->>'livemode')::boolean, false);
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Only possible while no test account exists: the old key cannot tell them from live ones.
  await knex.raw(`
    alter table accounts drop constraint accounts_identity_key;
    alter table accounts add constraint accounts_identity_key
      unique (owner_type, owner_id, purpose, currency, shard);
    alter table accounts drop column livemode;
    update payments set details = details - 'accounts_livemode';
    update unapplied_funds set details = details - 'accounts_livemode';
  `);
}
