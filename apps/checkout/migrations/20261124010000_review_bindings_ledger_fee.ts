import type { Knex } from 'knex';

/**
 * Expand only, so old pods keep working beside new ones: a new status value, a nullable column
 * and a new table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check check (
      status in ('created', 'pending', 'succeeded', 'failed', 'expired', 'requires_review')
    );
    -- The fee the ledger applied (its fee plan's when the merchant has one); fee_minor stays what
    -- checkout computed and sent, so a retried post repeats the identical request.
    alter table payments add column ledger_fee_minor bigint check (ledger_fee_minor >= 0);

    -- Card bindings owed to the recurring service: written before recurring is called, so one
    -- reported while recurring is down is recorded later by the sweeper.
    create table pending_card_bindings (
      payment_id text primary key references payments (id),
      merchant_id text not null,
      binding_ref text not null,
      state text not null check (state in ('activated', 'error')),
      card_last4 text not null default '',
      first_amount_minor bigint not null check (first_amount_minor > 0),
      currency char(3) not null,
      attempts int not null default 0,
      next_attempt_at timestamptz not null,
      last_error text,
      recorded_at timestamptz,
      gave_up_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index pending_card_bindings_due_idx on pending_card_bindings (next_attempt_at)
      where recorded_at is null and gave_up_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table pending_card_bindings;
    alter table payments drop column ledger_fee_minor;
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check check (
      status in ('created', 'pending', 'succeeded', 'failed', 'expired')
    );
  `);
}
