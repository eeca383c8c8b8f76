import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table payments (
      id text primary key,
      merchant_id text not null references merchants (id),
      amount_minor bigint not null check (amount_minor > 0),
      currency char(3) not null,
      status text not null check (status in ('created', 'pending', 'succeeded', 'failed', 'expired')),
      order_id text not null default '',
      description text not null default '',
      success_url text not null default '',
      fail_url text not null default '',
      metadata jsonb not null default '{}'::jsonb,
      method text,
      provider text,
      provider_payment_id text,
      provider_attributes jsonb not null default '{}'::jsonb,
      fee_minor bigint check (fee_minor >= 0),
      failure_code text,
      -- The ledger's occurred_at: fixed once, so every retried post carries the same content.
      succeeded_at timestamptz,
      ledger_posted_at timestamptz,
      ledger_transaction_id text,
      version int not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index payments_merchant_idx on payments (merchant_id, created_at desc);
    -- The two sweepers read only these small partial indexes.
    create index payments_unposted_idx on payments (succeeded_at)
      where status = 'succeeded' and ledger_posted_at is null;
    create index payments_expirable_idx on payments (expires_at) where status in ('created', 'pending');

    create table idempotency_keys (
      merchant_id text not null,
      key text not null,
      request_fingerprint text not null,
      -- The canonical request, to name the field that differs when the key is reused.
      request jsonb not null,
      payment_id text not null references payments (id) deferrable initially deferred,
      created_at timestamptz not null default now(),
      primary key (merchant_id, key)
    );

    create table payment_transitions (
      id bigserial primary key,
      payment_id text not null references payments (id),
      from_status text,
      to_status text not null,
      reason text not null default '',
      at timestamptz not null default now()
    );
    create index payment_transitions_payment_idx on payment_transitions (payment_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop table payment_transitions; drop table idempotency_keys; drop table payments;',
  );
}
