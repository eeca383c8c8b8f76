import type { Knex } from '@tolem/db-kit';

/**
 * Test and live money in separate accounts (issue 9): a test key's payments post to test
 * accounts, which no live balance, statement or payout ever reads, as Stripe keeps test and live
 * balances apart. The mode is part of every account's identity, system accounts included, so
 * each mode's books balance on their own. Existing accounts are live, as they were used.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table accounts add column livemode boolean not null default true;
    alter table accounts drop constraint accounts_identity_key;
    alter table accounts add constraint accounts_identity_key
      unique (owner_type, owner_id, purpose, currency, shard, livemode);
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Only possible while no test account exists: the old key cannot tell them from live ones.
  await knex.raw(`
    alter table accounts drop constraint accounts_identity_key;
    alter table accounts add constraint accounts_identity_key
      unique (owner_type, owner_id, purpose, currency, shard);
    alter table accounts drop column livemode;
  `);
}
