import type { Knex } from 'knex';

/**
 * Card bindings gain their customer, expiry, revocation and mode; scheduled operations (the seed's
 * SetScheduledOperation) are stored with the schedule as given and the next occurrence computed,
 * so the scheduler finds due work with one index range scan.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table card_bindings drop constraint card_bindings_state_check;
    alter table card_bindings
      add constraint card_bindings_state_check check (state in ('activated', 'error', 'revoked')),
      add column customer_ref text not null default '',
      add column card_expiry text not null default '',
      add column failure_message text not null default '',
      add column livemode boolean not null default false,
      add column revoked_at timestamptz;
    create index card_bindings_customer_idx on card_bindings (merchant_id, customer_ref, created_at desc);

    create table scheduled_operations (
      id text primary key,
      merchant_id text not null,
      idempotency_key text not null,
      request_fingerprint text not null,
      binding_id text not null references card_bindings (id),
      amount_minor bigint not null check (amount_minor > 0),
      currency char(3) not null,
      description text not null,
      -- Exactly one of cron or interval; both read in time_zone.
      schedule_cron text,
      schedule_interval text check (schedule_interval in ('daily', 'weekly', 'monthly')),
      schedule_day smallint not null default 0,
      schedule_time_of_day text not null default '00:00',
      time_zone text not null,
      starts_at timestamptz not null,
      ends_at timestamptz,
      fire_on_skip boolean not null default false,
      receipt_customer jsonb not null default '{}',
      metadata jsonb not null default '{}',
      customer_ref text not null default '',
      livemode boolean not null default false,
      state text not null check (state in ('active', 'paused', 'canceled', 'completed')),
      cancel_reason text not null default '',
      cancel_code text not null default '',
      -- The next occurrence not yet turned into a charge; null when none is coming.
      next_charge_at timestamptz,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (merchant_id, idempotency_key),
      check ((schedule_cron is null) <> (schedule_interval is null))
    );
    create index scheduled_operations_merchant_idx on scheduled_operations (merchant_id, created_at desc, id desc);
    create index scheduled_operations_binding_idx on scheduled_operations (binding_id);
    create index scheduled_operations_due_idx on scheduled_operations (next_charge_at)
      where state = 'active' and next_charge_at is not null;

    -- Facts for the ledger (the only publisher of events), written in the same transaction as the
    -- change they describe and relayed by a loop until the ledger has them: none is lost while the
    -- ledger is down. The relay deletes a row once RecordPaymentEvent accepted it.
    create table recurring_facts (
      id bigint generated always as identity primary key,
      -- RecordPaymentEvent's idempotency key, e.g. "sop_…:canceled".
      idempotency_key text not null unique,
      event_type text not null,
      payment_id text not null,
      merchant_id text not null,
      -- Every other RecordPaymentEvent field (operation, charge, attempt, binding, receipt, codes).
      body jsonb not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_error text not null default '',
      created_at timestamptz not null
    );
    create index recurring_facts_due_idx on recurring_facts (next_attempt_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table recurring_facts;
    drop table scheduled_operations;
    drop index card_bindings_customer_idx;
    delete from card_bindings where state = 'revoked';
    alter table card_bindings drop constraint card_bindings_state_check;
    alter table card_bindings
      add constraint card_bindings_state_check check (state in ('activated', 'error')),
      drop column customer_ref, drop column card_expiry, drop column failure_message,
      drop column livemode, drop column revoked_at;
  `);
}
