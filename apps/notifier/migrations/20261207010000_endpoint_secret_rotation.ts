import type { Knex } from 'knex';

/**
 * Signing secret rotation with an overlap: the replaced secret keeps signing (a second `v1=` in
 * Tolem-Signature) until it expires, so a merchant switches verification without a gap.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table endpoints
      add column previous_signing_secret text,
      add column previous_secret_expires_at timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table endpoints drop column previous_signing_secret,
      drop column previous_secret_expires_at;
  `);
}
