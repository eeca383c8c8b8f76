import type { Knex } from 'knex';

/**
 * The scheduler's durable work: one charge per occurrence of an operation (unique, so two
 * scheduler instances materializing the same occurrence make one row), and every attempt at it
 * with the payment it made and the scheme's answer. A charge is claimed with a lease
 * (claimed_until, claim_token) outside of any long transaction: an instance that died mid-attempt
 * leaves a lease that expires, and the next instance asks checkout again with the same
 * idempotency key, so the card is charged at most once per attempt.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table charges (
      id text primary key,
      operation_id text not null references scheduled_operations (id),
      merchant_id text not null,
      scheduled_at timestamptz not null,
      state text not null
        check (state in ('pending', 'retrying', 'succeeded', 'abandoned', 'failed', 'skipped')),
      -- What the operation said when the occurrence was materialized: an edit changes later
      -- charges only.
      amount_minor bigint not null check (amount_minor > 0),
      currency char(3) not null,
      description text not null,
      operation_version integer not null,
      -- The attempt to make (or to ask about again when it is pending); 1-based.
      attempt integer not null default 1,
      first_attempt_at timestamptz,
      next_attempt_at timestamptz,
      claimed_until timestamptz,
      claim_token text,
      payment_id text not null default '',
      receipt_id text not null default '',
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (operation_id, scheduled_at)
    );
    create index charges_due_idx on charges (next_attempt_at)
      where state in ('pending', 'retrying');
    create index charges_operation_idx on charges (operation_id, scheduled_at desc, id desc);

    create table charge_attempts (
      charge_id text not null references charges (id),
      number integer not null check (number > 0),
      payment_id text not null default '',
      attempted_at timestamptz not null,
      outcome text not null check (outcome in ('succeeded', 'failed', 'pending')),
      decline_code text not null default '',
      decline_kind text not null default '',
      reason_code text not null default '',
      primary key (charge_id, number)
    );

    -- The relay holds a fact while an earlier fact of its payment waits (order per payment).
    create index recurring_facts_payment_idx on recurring_facts (payment_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index recurring_facts_payment_idx;
    drop table charge_attempts;
    drop table charges;
  `);
}
