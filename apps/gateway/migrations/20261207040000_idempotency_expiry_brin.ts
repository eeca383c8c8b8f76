import type { Knex } from 'knex';

/**
 * The sweeper's index on expires_at becomes a BRIN index: keys are written in time order with a
 * fixed lifetime, so expires_at follows the table's physical order, and a BRIN summary per range
 * of pages finds the expired ones without a B-tree entry per key. Every payment create inserted
 * one into the B-tree (WAL and work on the create's path). An insert into a range not summarized
 * yet costs the index nothing; one into a range a vacuum has summarized widens its summary in
 * place (a smaller record than a B-tree insert, and only until the table grows past the range).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists idempotency_keys_expires_at_idx');
  await knex.raw(
    'create index idempotency_keys_expires_at_brin on idempotency_keys using brin (expires_at)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists idempotency_keys_expires_at_brin');
  await knex.raw('create index idempotency_keys_expires_at_idx on idempotency_keys (expires_at)');
}
