import type { Knex } from 'knex';

/**
 * Merchants grow the settings issue 9 asks for (VAT rate, notification URL) and an onboarding
 * outbox: every setting a peer owns (the ledger's fee plan and negative-balance flag, the
 * notifier's endpoint) is a row written in the merchant's transaction and marked delivered once
 * the peer took it, so a peer that is down delays onboarding, never loses it.
 *
 * API keys get a mode (test/live), a label, and an expiry (a rolled key works until then).
 * Payments get livemode (false: created with a test key, pays through the sandbox only).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table merchants
      add column vat_rate text not null default 'none'
        check (vat_rate in ('none', 'vat0', 'vat10', 'vat12', 'vat20')),
      add column notification_url text not null default '',
      -- The key the notifier signs webhooks with; checkout keeps it to hand it over again when
      -- the notification URL changes (UpsertEndpoint takes both). A credential: never logged.
      add column webhook_secret text not null default '',
      add column updated_at timestamptz not null default now();

    create table merchant_onboarding_steps (
      merchant_id text not null references merchants (id),
      step text not null check (step in ('ledger_fee_plan', 'ledger_settings', 'notifier_endpoint')),
      -- What the peer must hold; the notifier step carries the webhook signing secret until it is
      -- delivered, then the payload is emptied.
      payload jsonb not null,
      -- Bumped by every change: a delivery of an older version does not mark a newer one done.
      version int not null default 1,
      attempts int not null default 0,
      last_error text not null default '',
      next_attempt_at timestamptz not null default now(),
      delivered_at timestamptz,
      primary key (merchant_id, step)
    );
    create index merchant_onboarding_due_idx on merchant_onboarding_steps (next_attempt_at)
      where delivered_at is null;

    alter table api_keys
      add column mode text not null default 'test' check (mode in ('test', 'live')),
      add column name text not null default '',
      add column expires_at timestamptz,
      add column rolled_to text;

    alter table payments add column livemode boolean not null default false;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments drop column livemode;
    alter table api_keys drop column mode, drop column name, drop column expires_at,
      drop column rolled_to;
    drop table merchant_onboarding_steps;
    alter table merchants drop column vat_rate, drop column notification_url, drop column webhook_secret,
      drop column updated_at;
  `);
}
