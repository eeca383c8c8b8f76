import type { Knex } from 'knex';

/**
 * Every delivery row version (insert, lease, recorded attempt) is written into each index of
 * `deliveries`, so an index nothing reads is paid for three times per delivery. The dispatcher's
 * claim finds due work per endpoint (deliveries_endpoint_due_idx) and a payment's earlier pending
 * delivery per endpoint (deliveries_payment_endpoint_pending_idx); these two served the claim
 * before endpoints had their own limits and no query uses them now.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index deliveries_due_idx;
    drop index deliveries_payment_pending_idx;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create index deliveries_due_idx on deliveries (next_attempt_at) where status = 'pending';
    create index deliveries_payment_pending_idx on deliveries (payment_id, sequence) where status = 'pending';
  `);
}
