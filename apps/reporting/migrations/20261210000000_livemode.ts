import type { Knex } from 'knex';

/**
 * Test and live modes (issue 9): every payment, refund and case row says its mode, and the daily
 * totals gain it in their key, so a test key never sees live money and the two are never added
 * together. Existing rows read as test (false), as the ledger reads its rows from before modes
 * (`details->>'livemode'` absent = false); reporting kept no event, so there is nothing better to
 * backfill from. A live payment among them becomes live with its next event (a payment's mode
 * only ever goes from false to true), or when the topic is replayed into an empty database. With
 * every existing row in the test rows, the totals stay equal to the rows they add up: no rebuild.
 * Old pods' totals upserts name the old key and fail until they are replaced; their events are
 * not committed, so the new pods apply them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payment_facts add column livemode boolean not null default false;
    alter table refund_facts add column livemode boolean not null default false;
    alter table payment_cases add column livemode boolean not null default false;

    alter table daily_totals add column livemode boolean not null default false;
    alter table daily_totals drop constraint daily_totals_pkey;
    alter table daily_totals add primary key (merchant_id, day, currency, method, status, livemode);

    alter table daily_refund_totals add column livemode boolean not null default false;
    alter table daily_refund_totals drop constraint daily_refund_totals_pkey;
    alter table daily_refund_totals
      add primary key (merchant_id, day, currency, method, status, livemode);

    -- The gateway always asks for one mode.
    create index payment_facts_merchant_mode_created_idx
      on payment_facts (merchant_id, livemode, created_at desc, payment_id desc);
    create index refund_facts_merchant_mode_time_idx
      on refund_facts (merchant_id, livemode, status_at desc, refund_id desc);
  `);
}

/** Folds the modes back together (the old key cannot tell them apart). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index refund_facts_merchant_mode_time_idx;
    drop index payment_facts_merchant_mode_created_idx;

    create temporary table folded_refund_totals on commit drop as
      select merchant_id, day, currency, method, status,
             sum(refunds_count) as refunds_count, sum(amount_minor) as amount_minor
        from daily_refund_totals group by 1, 2, 3, 4, 5;
    delete from daily_refund_totals;
    alter table daily_refund_totals drop constraint daily_refund_totals_pkey;
    alter table daily_refund_totals drop column livemode;
    alter table daily_refund_totals add primary key (merchant_id, day, currency, method, status);
    insert into daily_refund_totals select * from folded_refund_totals;

    create temporary table folded_totals on commit drop as
      select merchant_id, day, currency, status, sum(payments_count) as payments_count,
             sum(gross_minor) as gross_minor, sum(fee_minor) as fee_minor,
             sum(net_minor) as net_minor, method
        from daily_totals group by merchant_id, day, currency, status, method;
    delete from daily_totals;
    alter table daily_totals drop constraint daily_totals_pkey;
    alter table daily_totals drop column livemode;
    alter table daily_totals add primary key (merchant_id, day, currency, method, status);
    insert into daily_totals select * from folded_totals;

    alter table payment_cases drop column livemode;
    alter table refund_facts drop column livemode;
    alter table payment_facts drop column livemode;
  `);
}
