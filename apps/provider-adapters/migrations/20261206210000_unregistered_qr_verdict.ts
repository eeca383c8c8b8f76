import type { Knex } from 'knex';

/**
 * A verified QR confirmation for a code no payment is registered under (a static code's scan) is
 * its own verdict: nothing was settled by it; checkout registers the scan and asks again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table provider_callbacks drop constraint if exists provider_callbacks_verdict_check;
    alter table provider_callbacks add constraint provider_callbacks_verdict_check
      check (verdict in ('accepted', 'rejected', 'duplicate', 'precheck_accepted',
        'precheck_refused', 'unregistered_qr'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table provider_callbacks drop constraint if exists provider_callbacks_verdict_check;
    alter table provider_callbacks add constraint provider_callbacks_verdict_check
      check (verdict in ('accepted', 'rejected', 'duplicate', 'precheck_accepted',
        'precheck_refused'));
  `);
}
