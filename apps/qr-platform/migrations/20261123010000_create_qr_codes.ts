import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table qr_codes (
      id text primary key,
      merchant_id text not null,
      kind text not null check (kind in ('static', 'dynamic')),
      amount_minor bigint check (amount_minor > 0),
      currency char(3) not null,
      description text not null default '',
      payload text not null,
      link text not null,
      idempotency_key text not null,
      request_fingerprint text not null,
      created_at timestamptz not null default now(),
      -- a dynamic code fixes the amount; a static one lets the payer enter it
      constraint qr_codes_amount_by_kind check ((kind = 'dynamic') = (amount_minor is not null)),
      constraint qr_codes_idempotency_key unique (merchant_id, idempotency_key)
    );
    create index qr_codes_merchant_idx on qr_codes (merchant_id, created_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('qr_codes');
}
