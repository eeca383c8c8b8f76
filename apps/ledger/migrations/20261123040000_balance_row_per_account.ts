import type { Knex } from '@tolem/db-kit';

/**
 * Every account has a balance row from its creation on (the batch write updates balances
 * without an upsert); accounts created before that rule get theirs, at zero, here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'insert into balances (account_id) select id from accounts on conflict (account_id) do nothing',
  );
}

export async function down(): Promise<void> {
  // Zero balance rows are valid either way; nothing to undo.
}
