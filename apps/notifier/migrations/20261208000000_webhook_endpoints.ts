import type { Knex } from 'knex';

/**
 * Issue 10: several endpoints per merchant, each with its subscriptions, body format, ack mode and
 * its own Standard Webhooks secret; deliveries become one per (event, endpoint).
 *
 * Existing data moves in place:
 * - each `endpoints` row becomes the merchant's default endpoint (the one checkout's UpsertEndpoint
 *   manages), keeping its secret as it is: merchants already verify with it (checkout issues
 *   `whsec_` + base64url; how a secret becomes the HMAC key is the signing code's decision);
 * - every delivery's event is kept in `notification_events`; a delivery still waiting for its
 *   merchant's first endpoint (url = '') becomes an unrouted event, routed when an endpoint is created;
 * - deliveries get their merchant's default endpoint.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table webhook_endpoints (
      id text primary key,
      merchant_id text not null,
      url text not null,
      description text not null default '',
      is_default boolean not null default false,
      -- Empty = every merchant notification type (src/domain/notification-types.ts).
      event_types text[] not null default '{}',
      format text not null default 'json' check (format in ('json', 'form')),
      -- What stops the retries: 'ok' (seed 001), 'OK', 'OK_ORDER' (Robokassa: OK{order id}), 'YES',
      -- 'CODE_0' (CloudPayments {"code":0}), 'ANY_2XX' (Stripe).
      ack text not null default 'ok' check (ack in ('ok', 'OK', 'OK_ORDER', 'YES', 'CODE_0', 'ANY_2XX')),
      status text not null default 'enabled' check (status in ('enabled', 'disabled')),
      -- '', 'gone' (410), 'failing' (3 days), 'merchant'.
      disabled_reason text not null default '',
      disabled_at timestamptz,
      -- First unacknowledged attempt since the last success.
      failing_since timestamptz,
      max_in_flight integer not null default 4 check (max_in_flight between 1 and 64),
      -- Never logged, returned only when created or rotated.
      signing_secret text not null,
      previous_signing_secret text,
      previous_secret_expires_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create unique index webhook_endpoints_default_idx on webhook_endpoints (merchant_id) where is_default;
    create index webhook_endpoints_merchant_idx on webhook_endpoints (merchant_id, id);

    insert into webhook_endpoints (id, merchant_id, url, is_default, signing_secret,
      previous_signing_secret, previous_secret_expires_at, created_at, updated_at)
    select 'we_' || md5(merchant_id), merchant_id, url, true, signing_secret,
      previous_signing_secret, previous_secret_expires_at, updated_at, updated_at
    from endpoints;

    create table notification_events (
      event_id text primary key,
      event_type text not null,
      merchant_id text not null,
      payment_id text not null,
      sequence bigint not null,
      occurred_at timestamptz not null,
      -- What src/domain/payload.ts needs to build either body format.
      data jsonb not null,
      -- False while the merchant had no endpoint; routed when one is created (within the window).
      routed boolean not null,
      created_at timestamptz not null
    );
    create index notification_events_unrouted_idx on notification_events (merchant_id, created_at)
      where not routed;

    -- Events recorded before this table only have their JSON body: payload.ts reads it back.
    insert into notification_events (event_id, event_type, merchant_id, payment_id, sequence,
      occurred_at, data, routed, created_at)
    select event_id, event_type, merchant_id, payment_id, sequence, created_at,
      jsonb_build_object('legacy_json', payload), url <> '', created_at
    from deliveries;
    -- A URL-less delivery was never attempted (the dispatcher skipped it): its event is now unrouted.
    delete from deliveries d where d.url = ''
      and not exists (select 1 from delivery_attempts a where a.delivery_id = d.id);

    alter table deliveries add column endpoint_id text;
    update deliveries d set endpoint_id = e.id
      from webhook_endpoints e where e.merchant_id = d.merchant_id and e.is_default;
    alter table deliveries alter column endpoint_id set not null,
      add constraint deliveries_endpoint_fk foreign key (endpoint_id) references webhook_endpoints (id);
    alter table deliveries drop constraint deliveries_event_id_key;
    create unique index deliveries_event_endpoint_idx on deliveries (event_id, endpoint_id);
    drop index deliveries_unrouted_idx;
    -- url is now the URL the delivery was last sent to; sending reads the endpoint's URL.
    alter table deliveries add column leased_until timestamptz,
      add column first_attempt_at timestamptz;
    update deliveries d set first_attempt_at = a.first
      from (select delivery_id, min(attempted_at) as first from delivery_attempts group by delivery_id) a
      where a.delivery_id = d.id;
    create index deliveries_endpoint_idx on deliveries (endpoint_id, id desc);
    create index deliveries_endpoint_failed_idx on deliveries (endpoint_id, created_at)
      where status = 'exhausted';

    alter table delivery_attempts add column url text not null default '';
    update delivery_attempts a set url = d.url from deliveries d where d.id = a.delivery_id;

    create table endpoint_events (
      id text primary key,
      endpoint_id text not null references webhook_endpoints (id),
      merchant_id text not null,
      -- 'delivery.exhausted' | 'endpoint.disabled' | 'endpoint.enabled'
      type text not null,
      delivery_id text,
      detail text not null default '',
      created_at timestamptz not null
    );
    create index endpoint_events_endpoint_idx on endpoint_events (endpoint_id, created_at desc);

    drop table endpoints;
  `);
}

/** Back to one endpoint per merchant (its default one); extra endpoints' deliveries are dropped. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create table endpoints (
      merchant_id text primary key,
      url text not null,
      signing_secret text not null,
      updated_at timestamptz not null default now(),
      previous_signing_secret text,
      previous_secret_expires_at timestamptz
    );
    insert into endpoints (merchant_id, url, signing_secret, updated_at, previous_signing_secret,
      previous_secret_expires_at)
    select merchant_id, url, signing_secret, updated_at, previous_signing_secret,
      previous_secret_expires_at
    from webhook_endpoints where is_default;
    drop table endpoint_events;
    delete from delivery_attempts a using deliveries d, webhook_endpoints e
      where a.delivery_id = d.id and d.endpoint_id = e.id and not e.is_default;
    delete from deliveries d using webhook_endpoints e where d.endpoint_id = e.id and not e.is_default;
    alter table delivery_attempts drop column url;
    drop index deliveries_event_endpoint_idx;
    alter table deliveries drop column endpoint_id, drop column leased_until,
      drop column first_attempt_at, add constraint deliveries_event_id_key unique (event_id);
    create index deliveries_unrouted_idx on deliveries (merchant_id) where status = 'pending' and url = '';
    drop table notification_events;
    drop table webhook_endpoints;
  `);
}
