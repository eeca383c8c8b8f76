import type { Knex } from 'knex';

/**
 * The idempotency key that created an API key: a create retried after a lost answer finds the key
 * it made (its secret is not shown again) instead of issuing a second live key nobody saw.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table api_keys add column idempotency_key text;
    create unique index api_keys_idempotency_idx
      on api_keys (merchant_id, idempotency_key) where idempotency_key is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index api_keys_idempotency_idx;
    alter table api_keys drop column idempotency_key;
  `);
}
