import type { Knex } from 'knex';

/**
 * Refunds (issue 9): checkout owns the refund objects; each one's steps (ledger start, provider
 * call or payout queue, ledger end) are persisted in `step` so a sweeper finishes what a crash
 * or an unreachable peer interrupted. The merchant's idempotency key lives on the refund itself:
 * one refund per (merchant, key). payments.refunded_minor is what succeeded refunds returned,
 * written in the same transaction as the refund's success.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table refunds (
      id text primary key,
      merchant_id text not null,
      payment_id text not null references payments (id),
      amount_minor bigint not null check (amount_minor > 0),
      currency char(3) not null,
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      step text not null check (step in ('reserve', 'execute', 'await_payout', 'resolve', 'done')),
      execution text check (execution in ('provider', 'payout_queue')),
      reason text not null default '',
      outcome text check (outcome in ('refunded_by_provider', 'paid_out', 'failed')),
      outcome_reference text not null default '',
      failure_code text not null default '',
      operator text not null default '',
      idempotency_key text not null,
      request jsonb not null,
      request_fingerprint text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (merchant_id, idempotency_key)
    );
    create index refunds_payment_idx on refunds (payment_id, id);
    create index refunds_merchant_idx on refunds (merchant_id, id);
    create index refunds_unfinished_idx on refunds (updated_at) where step in ('reserve', 'execute', 'resolve');
    create index refunds_payout_queue_idx on refunds (created_at) where step = 'await_payout';
    alter table payments add column refunded_minor bigint not null default 0 check (refunded_minor >= 0);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table refunds; alter table payments drop column refunded_minor;');
}
