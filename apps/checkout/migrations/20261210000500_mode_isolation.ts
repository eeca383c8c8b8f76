import type { Knex } from 'knex';

/**
 * Test and live modes never see each other's objects (issue 9). A merchant's payment list is
 * always read for one mode now, so its index leads with (merchant_id, livemode) and keeps the
 * list's order (created_at, id): a test key's page is read straight off the index however many
 * live payments the merchant has. It replaces payments_merchant_idx, whose only reader was that
 * list, so a create still writes the same number of indexes; an operator's list of both modes
 * uses the merchant_id prefix and sorts.
 *
 * A refund's mode is its payment's, which never changes; it is copied onto the refund so a list
 * of one mode's refunds is one index range too (refunds_merchant_mode_idx, again replacing the
 * merchant index it extends). Existing refunds take their payment's mode.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index payments_merchant_mode_idx
      on payments (merchant_id, livemode, created_at desc, id desc);
    drop index payments_merchant_idx;
    alter table refunds add column livemode boolean not null default false;
    update refunds set livemode = p.livemode from payments p
      where p.id = refunds.payment_id and p.livemode;
    create index refunds_merchant_mode_idx on refunds (merchant_id, livemode, id);
    drop index refunds_merchant_idx;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create index refunds_merchant_idx on refunds (merchant_id, id);
    drop index refunds_merchant_mode_idx;
    alter table refunds drop column livemode;
    create index payments_merchant_idx on payments (merchant_id, created_at desc);
    drop index payments_merchant_mode_idx;
  `);
}
