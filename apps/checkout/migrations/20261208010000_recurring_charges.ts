import type { Knex } from 'knex';

/**
 * Recurring (issue 11). Payments carry the merchant's reference of its customer (a card bound on
 * the payment belongs to it) and who initiated them (`scheduled` for a bound-card charge the
 * recurring service asked for; empty for a customer's payment). A pending card binding carries
 * the payment's customer reference, mode and the card's expiry (when the provider reported one)
 * to the recurring service. Merchants may pick every YooKassa receipt VAT code (vat5, vat7, vat22
 * and the calculated rates), plus vat12 kept for Kyrgyzstan. Every change is additive.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments
      add column customer_ref text not null default '',
      add column initiator text not null default '' check (initiator in ('', 'scheduled'));

    alter table pending_card_bindings
      add column customer_ref text not null default '',
      add column card_expiry text not null default '',
      add column livemode boolean not null default false;

    alter table merchants drop constraint if exists merchants_vat_rate_check;
    alter table merchants add constraint merchants_vat_rate_check check (vat_rate in (
      'none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat12', 'vat20', 'vat22',
      'vat5_105', 'vat7_107', 'vat10_110', 'vat20_120', 'vat22_122'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table merchants drop constraint if exists merchants_vat_rate_check;
    alter table merchants add constraint merchants_vat_rate_check
      check (vat_rate in ('none', 'vat0', 'vat10', 'vat12', 'vat20'));
    alter table pending_card_bindings
      drop column customer_ref, drop column card_expiry, drop column livemode;
    alter table payments drop column customer_ref, drop column initiator;
  `);
}
