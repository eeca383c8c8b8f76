import type { Knex } from 'knex';

/**
 * One owner for fees: the ledger (its merchant fee plans). A payment keeps one fee column, the
 * fee the ledger applied, and merchants lose the fee rules checkout used to compute its own.
 *
 * fee_minor becomes the ledger's fee: the one it reported (ledger_fee_minor), else for a payment
 * posted before the ledger reported fees the one it applied, which was the fee checkout sent
 * (fee_minor). A payment not yet posted has no fee until the ledger answers.
 *
 * A contract step: pods older than this release still write ledger_fee_minor and fee_rules, so
 * they must be gone before it runs.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    update payments
       set fee_minor = case when ledger_posted_at is null then null
                            else coalesce(ledger_fee_minor, fee_minor) end
     where fee_minor is not null or ledger_fee_minor is not null;
    alter table payments drop column ledger_fee_minor;
    alter table merchants drop column fee_rules;
  `);
}

/**
 * Restores the columns. ledger_fee_minor gets the ledger's fee back from fee_minor for posted
 * payments; the merchants' fee rules are not recoverable (they live in the ledger's plans now),
 * so every merchant comes back with none.
 */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table merchants add column fee_rules jsonb not null default '[]'::jsonb;
    alter table payments add column ledger_fee_minor bigint check (ledger_fee_minor >= 0);
    update payments set ledger_fee_minor = fee_minor where ledger_posted_at is not null;
  `);
}
