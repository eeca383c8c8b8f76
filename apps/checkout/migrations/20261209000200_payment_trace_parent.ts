import type { Knex } from 'knex';

/**
 * The W3C traceparent of the request that created a payment: its completion (the ledger posting,
 * the events, the merchant's notification) continues that trace, so one trace spans a payment
 * from the create call to the webhook even though the provider's callback arrives on its own.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table payments add column trace_parent text;');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table payments drop column trace_parent;');
}
