import type { Knex } from 'knex';

/**
 * The reconciler (issue 8 §3): its durable cursor over provider-adapters' settled transactions,
 * and a small partial index for the payments it asks providers about (pending too long).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table reconciler_cursors (
      name text primary key,
      cursor text not null,
      updated_at timestamptz not null
    );
    create index payments_pending_idx on payments (updated_at, id) where status = 'pending';

    -- Settled money the reconciler could not explain (no payment here), reported on every pass
    -- until explained: the settled transaction as provider-adapters listed it.
    create table reconciler_differences (
      transaction_id text primary key,
      code text not null,
      detail text not null,
      payment_id text not null,
      merchant_id text not null,
      provider text not null,
      method text,
      provider_payment_id text not null default '',
      amount_minor bigint,
      currency char(3),
      attributes jsonb not null default '{}'::jsonb,
      settled_at timestamptz not null,
      found_at timestamptz not null,
      resolved_at timestamptz,
      -- 'reconciler' when a pass explained it, else the operator who acknowledged it.
      resolved_by text,
      resolution_note text not null default ''
    );
    create index reconciler_differences_open_idx on reconciler_differences (found_at)
      where resolved_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table reconciler_differences;
    drop index if exists payments_pending_idx;
    drop table reconciler_cursors;
  `);
}
