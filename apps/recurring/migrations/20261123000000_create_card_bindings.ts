import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table card_bindings (
      id text primary key,
      merchant_id text not null,
      payment_id text not null unique,
      provider_binding_ref text not null,
      state text not null check (state in ('activated', 'error')),
      card_last4 text not null default '',
      first_amount_minor bigint not null check (first_amount_minor >= 0),
      currency char(3) not null,
      created_at timestamptz not null default now()
    );
    create index card_bindings_merchant_idx on card_bindings (merchant_id, created_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('card_bindings');
}
