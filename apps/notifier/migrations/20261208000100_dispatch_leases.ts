import type { Knex } from 'knex';

/**
 * What the dispatcher's claim needs: the deliveries in flight per endpoint (its max_in_flight),
 * found through a small partial index since a lease is cleared when the attempt is recorded; and
 * a notification on every new delivery so an idle dispatcher wakes at once instead of on its
 * next poll (one per inserting statement; PostgreSQL folds repeats within a transaction).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index deliveries_leased_idx on deliveries (endpoint_id, leased_until)
      where leased_until is not null;

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
    drop index deliveries_leased_idx;
  `);
}
