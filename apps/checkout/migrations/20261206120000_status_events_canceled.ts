import type { Knex } from 'knex';

/**
 * Every status change becomes a ledger event (issue 8 §1): a transition row carries the event it
 * owes the ledger until the ledger acknowledged it (an outbox to the ledger), and payments can be
 * canceled. Transitions from before this migration owe nothing: their history stays as it is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check check (
      status in ('created', 'pending', 'succeeded', 'failed', 'expired', 'canceled', 'requires_review')
    );

    -- The event as captured with the transition (retries send it identically); null when the
    -- new status has none. ledger_outcome: recorded, or superseded (money moved first).
    alter table payment_transitions add column ledger_event jsonb;
    alter table payment_transitions add column ledger_recorded_at timestamptz;
    alter table payment_transitions add column ledger_outcome text
      check (ledger_outcome in ('recorded', 'superseded'));
    create index payment_transitions_owed_idx on payment_transitions (payment_id, id)
      where ledger_event is not null and ledger_recorded_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index payment_transitions_owed_idx;
    alter table payment_transitions drop column ledger_outcome;
    alter table payment_transitions drop column ledger_recorded_at;
    alter table payment_transitions drop column ledger_event;
    update payments set status = 'failed', failure_code = 'CANCELED' where status = 'canceled';
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check check (
      status in ('created', 'pending', 'succeeded', 'failed', 'expired', 'requires_review')
    );
  `);
}
