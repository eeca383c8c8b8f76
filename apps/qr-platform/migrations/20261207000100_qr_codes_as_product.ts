import type { Knex } from 'knex';

/**
 * QR codes as a merchant product: test/live mode, a dynamic code's expiry and payment, a static
 * code's cash-desk label, when a dynamic code was paid, and one row per payment made under a code
 * (as last seen on the payment events), which the cash desk's live status is read from.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table qr_codes
      add column livemode boolean not null default false,
      add column expires_at timestamptz,
      add column payment_id text,
      add column label text not null default '',
      add column paid_at timestamptz,
      add column paid_payment_id text,
      -- the expiry and the payment belong to a dynamic code, the label to a static one
      add constraint qr_codes_expires_at_dynamic check (expires_at is null or kind = 'dynamic'),
      add constraint qr_codes_payment_id_dynamic check (payment_id is null or kind = 'dynamic'),
      add constraint qr_codes_label_static check (label = '' or kind = 'static'),
      add constraint qr_codes_paid_dynamic check (
        (paid_at is null) = (paid_payment_id is null) and (paid_at is null or kind = 'dynamic')
      );
    -- the consumer finds a dynamic code by the payment it was issued for
    create index qr_codes_payment_idx on qr_codes (payment_id) where payment_id is not null;
    -- keyset paging of a merchant's codes, newest first
    drop index qr_codes_merchant_idx;
    create index qr_codes_merchant_idx on qr_codes (merchant_id, created_at desc, id desc);

    create table qr_code_payments (
      payment_id text primary key,
      qr_code_id text not null references qr_codes (id),
      status text not null,
      amount_minor bigint not null check (amount_minor >= 0),
      currency char(3) not null,
      payer_bank text not null default '',
      event_id text not null,
      sequence bigint not null check (sequence > 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index qr_code_payments_code_idx
      on qr_code_payments (qr_code_id, created_at desc, payment_id desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table qr_code_payments;
    drop index qr_codes_payment_idx;
    drop index qr_codes_merchant_idx;
    create index qr_codes_merchant_idx on qr_codes (merchant_id, created_at desc);
    alter table qr_codes
      drop column livemode,
      drop column expires_at,
      drop column payment_id,
      drop column label,
      drop column paid_at,
      drop column paid_payment_id;
  `);
}
