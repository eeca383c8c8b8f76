import type { Knex } from 'knex';

/**
 * Claims that look only where there is work, and an index the claim cannot misuse.
 *
 * The payment-order index led with payment_id. When the planner's statistics said few deliveries
 * were pending (as they usually are), it read the whole index once per endpoint to find that
 * endpoint's due rows: 190,000 buffer reads and 160–340 ms per claim once slow and failing
 * merchants had a backlog (bench:notifier). Leading with endpoint_id, the same probe reads one
 * endpoint's pending rows at most.
 *
 * New deliveries now name their endpoints in the wake-up (one notification per inserting
 * statement, its endpoints' ids), so the dispatcher claims for those endpoints only, instead of
 * looking at every endpoint on every new delivery; its periodic sweep still looks everywhere.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index deliveries_payment_endpoint_pending_idx;
    create index deliveries_endpoint_payment_pending_idx
      on deliveries (endpoint_id, payment_id, sequence) where status = 'pending';

    create or replace function notify_deliveries_due() returns trigger language plpgsql as $$
    declare
      endpoints text;
    begin
      select string_agg(distinct endpoint_id, ',') into endpoints from inserted;
      -- Nothing inserted (a redelivered event's ON CONFLICT DO NOTHING): nothing to wake for.
      if endpoints is not null then
        -- A payload is limited to 8,000 bytes; an empty one means "look everywhere".
        perform pg_notify('deliveries_due', case when length(endpoints) > 7000 then '' else endpoints end);
      end if;
      return null;
    end $$;
    drop trigger deliveries_due_notify on deliveries;
    create trigger deliveries_due_notify after insert on deliveries
      referencing new table as inserted
      for each statement execute function notify_deliveries_due();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger deliveries_due_notify on deliveries;
    create or replace function notify_deliveries_due() returns trigger language plpgsql as $$
    begin
      perform pg_notify('deliveries_due', '');
      return null;
    end $$;
    create trigger deliveries_due_notify after insert on deliveries
      for each statement execute function notify_deliveries_due();
    drop index deliveries_endpoint_payment_pending_idx;
    create index deliveries_payment_endpoint_pending_idx
      on deliveries (payment_id, endpoint_id, sequence) where status = 'pending';
  `);
}
