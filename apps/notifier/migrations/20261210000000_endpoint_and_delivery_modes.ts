import type { Knex } from 'knex';

/**
 * Test and live mode apart, as Stripe keeps them: an endpoint made with a test key gets only test
 * events and one made with a live key only live ones; the onboarding endpoint (the merchant's
 * result URL, seed 001) is live and gets both, the body saying which. A delivery keeps its event's
 * mode so a key lists and redelivers only its own mode's. Existing endpoints were made before
 * modes and are live; existing deliveries take their event's mode (absent = test, as everywhere).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table webhook_endpoints add column livemode boolean not null default true`);
  await knex.raw(`alter table deliveries add column livemode boolean not null default false`);
  await knex.raw(
    `update deliveries d set livemode = true
       from notification_events e
      where e.event_id = d.event_id and (e.data->'event'->>'livemode')::boolean`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table deliveries drop column livemode`);
  await knex.raw(`alter table webhook_endpoints drop column livemode`);
}
