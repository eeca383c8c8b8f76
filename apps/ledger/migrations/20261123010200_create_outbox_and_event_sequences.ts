import { outboxMigration } from '@tolem/kafka-kit';
import type { Knex } from 'knex';

/** The kafka-kit outbox plus the per-payment counter behind PaymentEvent.sequence. */
export async function up(knex: Knex): Promise<void> {
  await outboxMigration.up(knex);
  await knex.raw(`
    create table payment_event_sequences (
      payment_id text primary key,
      last_sequence bigint not null check (last_sequence >= 1),
      updated_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table payment_event_sequences');
  await outboxMigration.down(knex);
}
