import type { Knex } from 'knex';

/**
 * Cases (issue 8 §2): verified provider money that could not settle its payment, held in the
 * ledger's unapplied funds until an operator applies or returns it. One case per provider
 * transfer (dedupe_key), every step in case_audit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table cases (
      id text primary key,
      kind text not null check (kind in ('duplicate_payment', 'late_payment', 'amount_mismatch',
                                         'amount_unknown', 'unsettled_at_provider')),
      status text not null check (status in ('opening', 'open', 'applied', 'returned')),
      payment_id text not null references payments (id),
      merchant_id text not null,
      provider text not null,
      method text not null,
      provider_payment_id text not null default '',
      amount_minor bigint not null check (amount_minor > 0),
      currency char(3) not null,
      expected_minor bigint not null,
      expected_currency char(3) not null,
      payment_status text not null,
      callback_id text not null default '',
      provider_attributes jsonb not null default '{}'::jsonb,
      reason text not null,
      dedupe_key text not null unique,
      return_reference text not null default '',
      created_at timestamptz not null,
      resolved_at timestamptz
    );
    create index cases_list_idx on cases (created_at desc, id desc);
    create index cases_payment_idx on cases (payment_id);
    create index cases_opening_idx on cases (created_at) where status = 'opening';

    create table case_audit (
      id bigserial primary key,
      case_id text not null references cases (id),
      at timestamptz not null,
      action text not null,
      actor text not null,
      detail text not null default ''
    );
    create index case_audit_case_idx on case_audit (case_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table case_audit; drop table cases;');
}
