import type { Knex } from 'knex';

/**
 * The management API's two facts the first migration did not have: a deleted endpoint (gone from
 * the API and from fan-out, its delivery log kept) and the idempotency key that created an
 * endpoint (a retried create answers the same endpoint).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table webhook_endpoints add column deleted_at timestamptz,
      add column idempotency_key text;
    create unique index webhook_endpoints_idempotency_idx
      on webhook_endpoints (merchant_id, idempotency_key) where idempotency_key is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index webhook_endpoints_idempotency_idx;
    alter table webhook_endpoints drop column deleted_at, drop column idempotency_key;
  `);
}
