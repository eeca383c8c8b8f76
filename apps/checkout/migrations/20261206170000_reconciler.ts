import type { Knex } from 'knex';

/**
 * The reconciler (issue 8 §3): its durable cursor over provider-adapters' settled transactions,
 * and a small partial index for the payments it asks providers about (pending too long).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table reconciler_cursors (
      name text primary key,
      cursor text not null,
      updated_at timestamptz not null
    );
    create index payments_pending_idx on payments (updated_at, id) where status = 'pending';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists payments_pending_idx; drop table reconciler_cursors;');
}
