import type { Knex } from 'knex';

/**
 * Fiscal receipts of recurring charges: one per charge (unique charge_id), written in the
 * scheduler's transaction, then sent to the cash register by the receipt sender. A pending
 * receipt is claimed by moving next_attempt_at past the send's timeout (FOR UPDATE SKIP LOCKED),
 * so several instances never send one receipt at the same time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table receipts (
      id text primary key,
      merchant_id text not null,
      type text not null default 'payment' check (type in ('payment')),
      payment_id text not null,
      operation_id text not null,
      charge_id text not null unique,
      customer jsonb not null,
      -- [{description, quantity, amount_minor (string), currency, vat_code, payment_subject, payment_mode}]
      items jsonb not null,
      tax_system_code smallint not null default 0 check (tax_system_code between 0 and 6),
      settlement_minor bigint not null check (settlement_minor > 0),
      currency char(3) not null,
      status text not null check (status in ('pending', 'succeeded', 'canceled')),
      register_receipt_id text not null default '',
      fiscal_document_number text not null default '',
      fiscal_storage_number text not null default '',
      fiscal_attribute text not null default '',
      registered_at timestamptz,
      send_attempts integer not null default 0,
      -- Refusals (4xx) by the cash register: retried less often, and worth a person's look.
      refusals integer not null default 0,
      last_error text not null default '',
      next_attempt_at timestamptz,
      livemode boolean not null default false,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index receipts_merchant_idx on receipts (merchant_id, id desc);
    create index receipts_operation_idx on receipts (operation_id, id desc);
    create index receipts_payment_idx on receipts (payment_id);
    create index receipts_due_idx on receipts (next_attempt_at) where status = 'pending';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table receipts');
}
