import type { Knex } from 'knex';

/**
 * Expand only: old pods keep working (they leave failure_code at its default and never write
 * payment_cases).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_facts add column failure_code text not null default '';

    -- One row per case: money that did not match its payment, held in unapplied funds until it
    -- is applied (credited to the merchant) or returned to the payer.
    create table payment_cases (
      case_id text primary key,
      payment_id text not null,
      merchant_id text not null,
      case_kind text not null,
      currency text not null,
      received_minor bigint not null,
      applied_gross_minor bigint not null,
      applied_fee_minor bigint not null,
      applied_net_minor bigint not null,
      returned_minor bigint not null,
      unapplied_minor bigint generated always as
        (received_minor - applied_gross_minor - returned_minor) stored,
      -- Applied to a payment that had already succeeded: counted in daily_totals by itself.
      applied_on_top boolean not null,
      applied_at timestamptz,
      resolution text not null,
      opened_at timestamptz not null,
      resolved_at timestamptz,
      updated_at timestamptz not null
    );
    create index payment_cases_payment_idx on payment_cases (payment_id, opened_at);
    create index payment_cases_merchant_time_idx on payment_cases (merchant_id, opened_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table payment_cases;
    alter table payment_facts drop column failure_code;
  `);
}
