import type { Knex } from 'knex';

/**
 * The reconciler reads settled payer payments in settlement order (ListSettledTransactions):
 * a small partial index keeps that keyset scan off the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index provider_transactions_settled_idx on provider_transactions (updated_at, id)
      where status = 'succeeded' and kind = 'payment'
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists provider_transactions_settled_idx');
}
