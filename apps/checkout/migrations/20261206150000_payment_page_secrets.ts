import type { Knex } from 'knex';

/**
 * The hosted page's link secret. The default gives every existing payment (and any a still-running
 * old pod creates) 244 bits from gen_random_uuid(), PostgreSQL's strong random source, so no
 * payment is left without one; new code sets its own from node:crypto.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments add column page_secret text not null
      default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
      check (length(page_secret) >= 22);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table payments drop column page_secret;`);
}
