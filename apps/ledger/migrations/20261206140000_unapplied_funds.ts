import type { Knex } from '@tolem/db-kit';

/**
 * Money a provider moved that matches no payment as it stands (issue 8 §2): held per case in a
 * platform `unapplied_funds` account until an operator applies it to the merchant or returns it
 * to the payer. One row per case, locked by its resolution so that a case resolves once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table unapplied_funds (
      case_id text primary key,
      case_kind text not null,
      payment_id text not null,
      merchant_id text not null,
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint not null check (amount_minor > 0),
      method text not null,
      provider text not null,
      shard smallint not null,
      -- provider_payment_id, provider_attributes, order_id, description: repeated by its events.
      details jsonb not null,
      status text not null check (status in ('held', 'applied', 'returned')),
      hold_transaction_id text not null,
      resolution_transaction_id text,
      return_reference text,
      created_at timestamptz not null default now(),
      resolved_at timestamptz
    );
    create index unapplied_funds_payment_idx on unapplied_funds (payment_id);
    create index unapplied_funds_held_idx on unapplied_funds (created_at) where status = 'held';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table unapplied_funds');
}
