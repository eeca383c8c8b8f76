import type { Knex } from 'knex';

/**
 * A dynamic code whose payment ended without being paid (canceled, failed, expired) is closed:
 * the cash desk and the payer's bank must not show it as payable any more.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table qr_codes
      add column closed_at timestamptz,
      add column closed_reason text check (closed_reason in ('canceled', 'failed', 'expired'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table qr_codes drop column closed_at, drop column closed_reason;`);
}
