import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // WebMoney's LMI_PAYMENT_NO must be an integer 1..2147483647, so order numbers come from a
  // bounded sequence rather than from payment ids.
  await knex.raw(`
    create sequence provider_order_no_seq as bigint minvalue 1 maxvalue 2147483647 no cycle;

    create table provider_transactions (
      id text primary key,
      payment_id text not null,
      merchant_id text not null,
      provider text not null
        check (provider in ('webmoney', 'intellectmoney', 'paykassma', 'qr_acquirer')),
      method text not null
        check (method in ('webmoney_purse', 'webmoney_keeper_mobile', 'card', 'wavepay', 'qr')),
      order_no bigint not null default nextval('provider_order_no_seq')
        check (order_no between 1 and 2147483647),
      amount_minor bigint not null check (amount_minor > 0),
      currency char(3) not null,
      amount_text text not null,
      payee_purse text,
      status text not null default 'created' check (status in ('created', 'succeeded', 'failed')),
      provider_payment_id text,
      attributes jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint provider_transactions_payment_uq unique (provider, payment_id),
      constraint provider_transactions_order_no_uq unique (order_no)
    );
    alter sequence provider_order_no_seq owned by provider_transactions.order_no;

    -- A provider's own transfer number settles at most one of our transactions.
    create unique index provider_transactions_provider_payment_uq
      on provider_transactions (provider, provider_payment_id)
      where provider_payment_id is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `drop table if exists provider_transactions; drop sequence if exists provider_order_no_seq;`,
  );
}
