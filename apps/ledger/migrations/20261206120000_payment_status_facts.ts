import type { Knex } from '@tolem/db-kit';

/**
 * Status facts (RecordPaymentEvent): a payment's register row exists from its first event on,
 * as `open` until money moves, so that one counter (payments.last_sequence) orders its status
 * facts and its money events alike, and a posting takes that row over under its lock.
 * payment_facts makes each fact idempotent on its key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check
      check (status in ('open', 'held', 'posted', 'voided', 'reversed'));

    create table payment_facts (
      idempotency_key text primary key,
      payment_id text not null,
      event_type text not null,
      fingerprint jsonb not null,
      event_id text not null,
      -- 0 with an empty event_id: the fact came after the payment's money (superseded).
      sequence bigint not null check (sequence >= 0),
      created_at timestamptz not null default now()
    );
    create index payment_facts_payment_idx on payment_facts (payment_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table payment_facts;
    delete from payments where status = 'open';
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check
      check (status in ('held', 'posted', 'voided', 'reversed'));
  `);
}
