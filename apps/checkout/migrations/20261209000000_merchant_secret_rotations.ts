import type { Knex } from 'knex';

/**
 * The idempotency keys of form and webhook secret rotations: a rotation retried after a lost
 * answer hands back the secret it made instead of rotating again (which would end the working
 * secret's overlap at once and lose the secret the first answer carried).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table merchant_secret_rotations (
      merchant_id text not null,
      idempotency_key text not null,
      kind text not null check (kind in ('form', 'webhook')),
      overlap_seconds integer not null,
      -- Which secret it made (SHA-256, hex): a replay answers it only while it is still current.
      secret_sha256 text not null,
      previous_expires_at timestamptz not null,
      rotated_at timestamptz not null,
      primary key (merchant_id, idempotency_key)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table merchant_secret_rotations;');
}
