import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Every callback is stored before it is verified (verdict null), then decided; rows are never
  // deleted by the service, so disputes can be replayed against the exact bytes received.
  await knex.raw(`
    create table provider_callbacks (
      id text primary key,
      provider text not null,
      received_at timestamptz not null default now(),
      http_method text not null,
      path text not null,
      query text not null default '',
      headers jsonb not null default '{}'::jsonb,
      body bytea not null,
      remote_address text not null default '',
      verdict text
        check (verdict in ('accepted', 'rejected', 'duplicate', 'precheck_accepted', 'precheck_refused')),
      reason_code text,
      payment_id text,
      decided_at timestamptz
    );
    create index provider_callbacks_payment_idx on provider_callbacks (payment_id, received_at)
      where payment_id is not null;
    create index provider_callbacks_received_idx on provider_callbacks (received_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('provider_callbacks');
}
