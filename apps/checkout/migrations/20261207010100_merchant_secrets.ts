import type { Knex } from 'knex';

/**
 * The merchant's form-signing secret (HMAC-SHA256 of `POST /pay` forms; checkout verifies, the
 * secret never leaves it except once to the operator) and, for both it and the webhook secret, the
 * secret a rotation replaced with its expiry: it stays valid until then. Credentials: never logged.
 * Merchants created before this have no form secret until one is rotated in.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table merchants
      add column form_secret text not null default '',
      add column form_secret_previous text,
      add column form_secret_previous_expires_at timestamptz,
      add column webhook_secret_previous text,
      add column webhook_secret_previous_expires_at timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table merchants drop column form_secret, drop column form_secret_previous,
      drop column form_secret_previous_expires_at, drop column webhook_secret_previous,
      drop column webhook_secret_previous_expires_at;
  `);
}
