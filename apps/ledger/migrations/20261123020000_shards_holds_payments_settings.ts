import type { Knex } from 'knex';

/**
 * Round 2 of the ledger: sharded system accounts, two-phase (pending) postings, reversals, the
 * payment register that refunds and holds lock, merchant settings with fee plans, the index
 * behind as-of balances and statements, and the assertion of the one-statement batch write.
 * Existing rows stay valid: accounts become shard 0, postings posted, and every posted payment
 * gets its register row from its fingerprint.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table accounts add column shard smallint not null default 0 check (shard between 0 and 255);
    alter table accounts drop constraint accounts_owner_type_owner_id_purpose_currency_key;
    alter table accounts add constraint accounts_identity_key
      unique (owner_type, owner_id, purpose, currency, shard);

    alter table postings add column pending boolean not null default false;
    -- (account, time) serves as-of balances and statements; the old (account, id) index had no reader.
    drop index postings_account_idx;
    create index postings_account_time_idx on postings (account_id, created_at, id);

    alter table transactions add column reverses_transaction_id text references transactions (id);
    create unique index transactions_reversed_once_idx on transactions (reverses_transaction_id)
      where reverses_transaction_id is not null;

    create table merchant_settings (
      merchant_id text primary key check (merchant_id <> ''),
      allow_negative_balance boolean not null default false,
      -- null: no fee plan (the request's fee applies); else [{method, percent_bps, fixed: {CUR: "minor"}}].
      fee_plan jsonb,
      updated_at timestamptz not null default now()
    );

    create table payments (
      payment_id text primary key,
      merchant_id text not null,
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      method text not null,
      provider text not null,
      shard smallint not null,
      status text not null check (status in ('held', 'posted', 'voided', 'reversed')),
      held_minor bigint not null default 0 check (held_minor >= 0),
      hold_expires_at timestamptz,
      gross_minor bigint not null default 0 check (gross_minor >= 0),
      fee_minor bigint not null default 0 check (fee_minor between 0 and gross_minor),
      refunded_minor bigint not null default 0 check (refunded_minor between 0 and gross_minor),
      -- The payment's event counter (PaymentEvent.sequence); payment_event_sequences keeps the
      -- counters of keys that are not payments (payouts) and of payments from before this table.
      last_sequence bigint not null default 0 check (last_sequence >= 0),
      -- provider_payment_id, provider_attributes, order_id, description: repeated by later events.
      details jsonb not null,
      occurred_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index payments_hold_expiry_idx on payments (hold_expires_at) where status = 'held';

    -- Lets one statement refuse itself: the batch write checks its own counts and guards and
    -- aborts as a whole (SQLSTATE LDG01, message = the reason) instead of committing.
    create function ledger_assert(ok boolean, reason text) returns boolean language plpgsql as $$
    begin
      if ok is not true then
        raise exception '%', reason using errcode = 'LDG01';
      end if;
      return true;
    end;
    $$;

    insert into payments (payment_id, merchant_id, currency, method, provider, shard, status,
                          gross_minor, fee_minor, last_sequence, details, occurred_at, created_at)
    select t.payment_id,
           t.fingerprint->>'merchant_id',
           t.fingerprint->'gross'->>'currency',
           t.fingerprint->>'method',
           t.fingerprint->>'provider',
           0,
           'posted',
           (t.fingerprint->'gross'->>'amount_minor')::bigint,
           (t.fingerprint->'fee'->>'amount_minor')::bigint,
           coalesce((select s.last_sequence from payment_event_sequences s where s.payment_id = t.payment_id), 0),
           jsonb_build_object(
             'provider_payment_id', t.fingerprint->'provider_payment_id',
             'provider_attributes', t.fingerprint->'provider_attributes',
             'order_id', t.fingerprint->'order_id',
             'description', t.fingerprint->'description'),
           coalesce((t.fingerprint->>'occurred_at')::timestamptz, t.created_at),
           t.created_at
      from transactions t
     where t.kind = 'payment' and t.payment_id is not null
    on conflict (payment_id) do nothing;

    -- The register (payments primary key) now guarantees one payment posting per payment, and
    -- the batch write skips heads of payments it already has; this index was a second copy.
    drop index transactions_one_payment_posting_idx;

    -- Foreign keys from postings cost a trigger and a KEY SHARE row lock per posting (a quarter
    -- of a batch write, and lock traffic on the shared shard accounts). The writes guarantee
    -- them by construction (postings are inserted with their own transaction, for accounts
    -- resolved in the same write) and CheckIntegrity verifies them (postings_consistent).
    alter table postings drop constraint postings_transaction_id_fkey;
    alter table postings drop constraint postings_account_id_currency_fkey;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table postings add foreign key (transaction_id) references transactions (id);
    alter table postings add foreign key (account_id, currency) references accounts (id, currency);
    create unique index transactions_one_payment_posting_idx on transactions (payment_id) where kind = 'payment';
    drop function ledger_assert(boolean, text);
    drop table payments;
    drop table merchant_settings;
    drop index transactions_reversed_once_idx;
    alter table transactions drop column reverses_transaction_id;
    drop index postings_account_time_idx;
    create index postings_account_idx on postings (account_id, id);
    alter table postings drop column pending;
    alter table accounts drop constraint accounts_identity_key;
    alter table accounts add constraint accounts_owner_type_owner_id_purpose_currency_key
      unique (owner_type, owner_id, purpose, currency);
    alter table accounts drop column shard;
  `);
}
