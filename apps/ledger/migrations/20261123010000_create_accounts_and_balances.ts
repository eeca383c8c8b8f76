import type { Knex } from 'knex';

/**
 * Accounts are created on first use and never change; balances are running totals kept in the
 * same database transaction as the postings, so a balance read never needs a scan.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table accounts (
      id text primary key check (id like 'acc\\_%'),
      owner_type text not null check (owner_type in ('merchant', 'provider', 'platform')),
      owner_id text not null check (owner_id <> ''),
      purpose text not null check (purpose ~ '^[a-z][a-z0-9_]*$'),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      type text not null check (type in ('asset', 'liability', 'revenue', 'expense')),
      normal_side text not null check (normal_side in ('debit', 'credit')),
      allow_negative boolean not null default false,
      created_at timestamptz not null default now(),
      unique (owner_type, owner_id, purpose, currency),
      -- target of the postings (account_id, currency) foreign key: a posting can never carry
      -- another currency than its account.
      unique (id, currency)
    );

    create table balances (
      account_id text primary key references accounts (id),
      debits_posted bigint not null default 0 check (debits_posted >= 0),
      credits_posted bigint not null default 0 check (credits_posted >= 0),
      debits_pending bigint not null default 0 check (debits_pending >= 0),
      credits_pending bigint not null default 0 check (credits_pending >= 0),
      updated_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table balances; drop table accounts;');
}
