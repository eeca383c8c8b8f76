import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table payment_facts (
      payment_id text primary key,
      merchant_id text not null,
      order_id text not null default '',
      status text not null,
      gross_minor bigint not null,
      fee_minor bigint not null,
      net_minor bigint not null,
      -- Empty only for a fact whose events never carried an amount.
      currency text not null,
      method text not null default '',
      provider text not null default '',
      provider_payment_id text not null default '',
      provider_attributes jsonb not null default '{}'::jsonb,
      last_event_id text not null,
      last_sequence bigint not null,
      occurred_at timestamptz not null,
      updated_at timestamptz not null default now()
    );
    create index payment_facts_merchant_time_idx on payment_facts (merchant_id, occurred_at desc, payment_id desc);

    -- Invariant: each row equals the aggregate of payment_facts with that merchant, UTC day of
    -- occurred_at, currency and status (maintained in the fact's transaction).
    create table daily_totals (
      merchant_id text not null,
      day date not null,
      currency text not null,
      status text not null,
      payments_count bigint not null,
      gross_minor bigint not null,
      fee_minor bigint not null,
      net_minor bigint not null,
      primary key (merchant_id, day, currency, status)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table daily_totals; drop table payment_facts;');
}
