import type { Knex } from 'knex';

/**
 * What the ledger refused (not what it could not be asked) waits before a sweep sends it again: a
 * status event with its payment's later events, and a succeeded payment's posting. Retried every
 * round, a handful of refused rows at the head of a sweep's list kept it from ever reaching the
 * rows behind them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_transitions add column ledger_attempts int not null default 0;
    alter table payment_transitions add column ledger_retry_at timestamptz;
    alter table payments add column ledger_refusals int not null default 0;
    alter table payments add column ledger_retry_at timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments drop column ledger_retry_at;
    alter table payments drop column ledger_refusals;
    alter table payment_transitions drop column ledger_retry_at;
    alter table payment_transitions drop column ledger_attempts;
  `);
}
