import type { Knex } from 'knex';

/**
 * Refunds get their own rows (they no longer overwrite their payment's gross, fee and day), a
 * payment keeps its status history, each part of a fact remembers the sequence that set it (so
 * events in any order converge), and daily totals gain the method. Existing facts count as having
 * seen every sequence up to their last one, as the old rule treated them; daily totals are rebuilt
 * from the facts and cases with their method. Facts an old pod overwrote with a refund keep that
 * gross until the topic is replayed into an empty database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_facts
      add column created_at timestamptz,
      add column history jsonb not null default '[]'::jsonb,
      add column seen_sequences bigint[] not null default '{}',
      add column status_sequence bigint not null default 0,
      add column amounts_sequence bigint not null default 0,
      add column fee_sequence bigint not null default 0;
    update payment_facts set
      created_at = occurred_at,
      seen_sequences = array(select generate_series(1::bigint, last_sequence)),
      status_sequence = last_sequence,
      amounts_sequence = last_sequence,
      fee_sequence = last_sequence,
      history = case when status = '' then '[]'::jsonb else jsonb_build_array(jsonb_build_object(
        'status', status, 'event_type', '', 'sequence', last_sequence::text,
        'occurred_at', occurred_at)) end;
    alter table payment_facts alter column created_at set not null;
    create index payment_facts_merchant_created_idx
      on payment_facts (merchant_id, created_at desc, payment_id desc);

    alter table payment_cases add column method text not null default '';
    update payment_cases c set method = f.method from payment_facts f where f.payment_id = c.payment_id;

    alter table daily_totals add column method text not null default '';
    alter table daily_totals drop constraint daily_totals_pkey;
    alter table daily_totals add primary key (merchant_id, day, currency, method, status);
    delete from daily_totals;
    insert into daily_totals (merchant_id, day, currency, method, status, payments_count,
                              gross_minor, fee_minor, net_minor)
    select merchant_id, day, currency, method, status, sum(n), sum(g), sum(f), sum(t)
      from (
        select merchant_id, (occurred_at at time zone 'UTC')::date as day, currency, method,
               status, 1 as n, gross_minor as g, fee_minor as f, net_minor as t
          from payment_facts
        union all
        select merchant_id, (applied_at at time zone 'UTC')::date, currency, method,
               'succeeded', 0, applied_gross_minor, applied_fee_minor, applied_net_minor
          from payment_cases
         where applied_on_top and applied_at is not null
      ) contributions
     group by merchant_id, day, currency, method, status
    having sum(n) <> 0 or sum(g) <> 0 or sum(f) <> 0 or sum(t) <> 0;

    -- One row per refund (refund_id from the refund.* events).
    create table refund_facts (
      refund_id text primary key,
      payment_id text not null,
      merchant_id text not null,
      amount_minor bigint not null,
      currency text not null,
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      status_sequence bigint not null,
      method text not null default '',
      provider text not null default '',
      failure_code text not null default '',
      -- The latest status change: the refund's day.
      status_at timestamptz not null,
      requested_at timestamptz,
      resolved_at timestamptz,
      last_sequence bigint not null,
      updated_at timestamptz not null
    );
    create index refund_facts_merchant_time_idx on refund_facts (merchant_id, status_at desc, refund_id desc);
    create index refund_facts_payment_idx on refund_facts (payment_id);

    -- Invariant: each row equals the aggregate of refund_facts with that merchant, UTC day of
    -- status_at, currency, method and status (maintained in the refund's transaction).
    create table daily_refund_totals (
      merchant_id text not null,
      day date not null,
      currency text not null,
      method text not null,
      status text not null,
      refunds_count bigint not null,
      amount_minor bigint not null,
      primary key (merchant_id, day, currency, method, status)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table daily_refund_totals;
    drop table refund_facts;
    delete from daily_totals where method <> '';
    alter table daily_totals drop constraint daily_totals_pkey;
    alter table daily_totals drop column method;
    alter table daily_totals add primary key (merchant_id, day, currency, status);
    alter table payment_cases drop column method;
    drop index payment_facts_merchant_created_idx;
    alter table payment_facts
      drop column created_at, drop column history, drop column seen_sequences,
      drop column status_sequence, drop column amounts_sequence, drop column fee_sequence;
  `);
}
