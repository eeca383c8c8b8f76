import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table merchants (
      id text primary key,
      name text not null,
      enabled_methods text[] not null check (cardinality(enabled_methods) > 0),
      -- [{ "method": "webmoney_purse", "percent_bps": 250, "fixed_minor": "0" }]; fixed as a string
      -- so no JSON number ever carries money.
      fee_rules jsonb not null default '[]'::jsonb,
      webmoney_shop_id text not null default '',
      default_success_url text not null default '',
      default_fail_url text not null default '',
      idempotency_key text unique,
      request_fingerprint text,
      created_at timestamptz not null default now()
    );

    create table api_keys (
      id text primary key,
      merchant_id text not null references merchants (id),
      key_prefix text not null,
      key_hash text not null unique,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    );
    create index api_keys_merchant_idx on api_keys (merchant_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table api_keys; drop table merchants;');
}
