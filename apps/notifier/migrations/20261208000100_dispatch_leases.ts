import type { Knex } from 'knex';

/**
 * What the dispatcher's claim needs: each endpoint's due deliveries in order, the deliveries in
 * flight per endpoint (its max_in_flight), found through a small partial index since a lease is
 * cleared when the attempt is recorded; and
 * a notification on every new delivery so an idle dispatcher wakes at once instead of on its
 * next poll (one per inserting statement; PostgreSQL folds repeats within a transaction).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index deliveries_leased_idx on deliveries (endpoint_id, leased_until)
      where leased_until is not null;
    -- An endpoint's due deliveries, oldest first (the claim looks per endpoint).
    create index deliveries_endpoint_due_idx on deliveries (endpoint_id, next_attempt_at, id)
      where status = 'pending';
    -- A payment's earlier pending delivery to the same endpoint holds its later ones back.
    create index deliveries_payment_endpoint_pending_idx
      on deliveries (payment_id, endpoint_id, sequence) where status = 'pending';

    create function notify_deliveries_due() returns trigger language plpgsql as $$
    begin
      perform pg_notify('deliveries_due', '');
      return null;
    end $$;
    create trigger deliveries_due_notify after insert on deliveries
      for each statement execute function notify_deliveries_due();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger deliveries_due_notify on deliveries;
    drop function notify_deliveries_due();
    drop index deliveries_payment_endpoint_pending_idx;
    drop index deliveries_endpoint_due_idx;
    drop index deliveries_leased_idx;
  `);
}
