import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Round 2 providers: Paykassma's activation can leave a payment pending or for manual review;
  // bound-card charges (IntellectMoney recurring) are provider transactions too, keyed by the
  // caller's idempotency key; QR callbacks may name the payment by its QR code id.
  await knex.raw(`
    alter table provider_transactions drop constraint if exists provider_transactions_status_check;
    alter table provider_transactions add constraint provider_transactions_status_check
      check (status in ('created', 'pending', 'manual_review', 'succeeded', 'failed'));

    alter table provider_transactions
      add column kind text not null default 'payment'
        check (kind in ('payment', 'bound_card_charge')),
      add column external_ref text,
      add column idempotency_key text,
      add column request_fingerprint text,
      add column decline_code text,
      add column reason_code text;

    -- A second reference a callback may name the transaction by (a QR code id, a scheduled
    -- operation id); never two transactions of a provider with the same one.
    create unique index provider_transactions_external_ref_uq
      on provider_transactions (provider, external_ref) where external_ref is not null;
    create unique index provider_transactions_idempotency_uq
      on provider_transactions (provider, idempotency_key) where idempotency_key is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists provider_transactions_idempotency_uq;
    drop index if exists provider_transactions_external_ref_uq;
    alter table provider_transactions
      drop column if exists reason_code,
      drop column if exists decline_code,
      drop column if exists request_fingerprint,
      drop column if exists idempotency_key,
      drop column if exists external_ref,
      drop column if exists kind;
    update provider_transactions set status = 'created' where status in ('pending', 'manual_review');
    alter table provider_transactions drop constraint if exists provider_transactions_status_check;
    alter table provider_transactions add constraint provider_transactions_status_check
      check (status in ('created', 'succeeded', 'failed'));
  `);
}
