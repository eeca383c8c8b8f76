import type { Knex } from 'knex';

/**
 * The journal: transactions and their postings, append-only (a trigger refuses UPDATE and
 * DELETE; corrections are new, reversing transactions).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table transactions (
      id text primary key check (id like 'txn\\_%'),
      idempotency_key text not null unique check (length(idempotency_key) between 1 and 255),
      kind text not null check (kind ~ '^[a-z][a-z0-9_.]*$'),
      -- null for transfers that belong to no payment (payouts, adjustments).
      payment_id text,
      -- the request fields, compared on a replay of the same idempotency key.
      fingerprint jsonb not null,
      created_at timestamptz not null default now()
    );
    -- A payment is credited once, whatever idempotency key a buggy caller sends.
    create unique index transactions_one_payment_posting_idx on transactions (payment_id) where kind = 'payment';
    create index transactions_payment_idx on transactions (payment_id, created_at) where payment_id is not null;

    create table postings (
      id bigserial primary key,
      transaction_id text not null references transactions (id),
      account_id text not null,
      -- + debit, - credit, in minor units.
      amount_minor bigint not null check (amount_minor <> 0),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      created_at timestamptz not null default now(),
      foreign key (account_id, currency) references accounts (id, currency)
    );
    create index postings_transaction_idx on postings (transaction_id);
    create index postings_account_idx on postings (account_id, id);

    create function ledger_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only', tg_table_name using errcode = 'restrict_violation';
    end;
    $$;
    create trigger transactions_append_only before update or delete on transactions
      for each row execute function ledger_append_only();
    create trigger postings_append_only before update or delete on postings
      for each row execute function ledger_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table postings;
    drop table transactions;
    drop function ledger_append_only();
  `);
}
