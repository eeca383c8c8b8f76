import type { Knex } from 'knex';

/**
 * What the payer tried per payment and method (Wavepay transaction numbers, WM Keeper Mobile
 * phones), so a handful of tries locks the method for that payment. A new table only: old pods
 * simply do not limit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table payer_attempts (
      payment_id text not null references payments (id),
      method text not null,
      attempts int not null default 0 check (attempts >= 0),
      locked_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (payment_id, method)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table payer_attempts;`);
}
