import type { Knex } from 'knex';

/**
 * The idempotency keys of secret rotations: a rotation retried after a lost answer must hand back
 * the secret it made, not rotate again (a second rotation would end the merchant's working
 * secret's overlap early and lose the one the first answer carried).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table webhook_endpoint_secret_rotations (
      endpoint_id text not null,
      idempotency_key text not null,
      overlap_seconds integer not null,
      -- Which secret it made (SHA-256, hex): a replay answers it only while it is still current.
      secret_sha256 text not null,
      rotated_at timestamptz not null,
      primary key (endpoint_id, idempotency_key)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table webhook_endpoint_secret_rotations;`);
}
