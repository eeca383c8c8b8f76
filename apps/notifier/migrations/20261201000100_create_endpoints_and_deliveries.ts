import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table endpoints (
      merchant_id text primary key,
      url text not null,
      signing_secret text not null,
      updated_at timestamptz not null default now()
    );

    create table deliveries (
      id text primary key,
      event_id text not null unique,
      event_type text not null,
      payment_id text not null,
      merchant_id text not null,
      sequence bigint not null,
      -- Empty while the merchant has no endpoint; the dispatcher skips such rows.
      url text not null default '',
      -- The exact JSON body sent (and signed) on every attempt.
      payload text not null,
      status text not null check (status in ('pending', 'delivered', 'exhausted')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_status_code integer,
      last_error text not null default '',
      delivered_at timestamptz,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    create index deliveries_due_idx on deliveries (next_attempt_at) where status = 'pending';
    create index deliveries_payment_pending_idx on deliveries (payment_id, sequence) where status = 'pending';
    create index deliveries_unrouted_idx on deliveries (merchant_id) where status = 'pending' and url = '';
    create index deliveries_merchant_idx on deliveries (merchant_id, id desc);
    create index deliveries_merchant_payment_idx on deliveries (merchant_id, payment_id, id desc);

    create table delivery_attempts (
      id bigserial primary key,
      delivery_id text not null references deliveries (id),
      attempted_at timestamptz not null,
      status_code integer,
      error text not null default '',
      duration_ms integer not null,
      response_snippet text not null default ''
    );
    create index delivery_attempts_delivery_idx on delivery_attempts (delivery_id, attempted_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table delivery_attempts; drop table deliveries; drop table endpoints;');
}
