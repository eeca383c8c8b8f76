import type { Knex } from 'knex';

/**
 * The gateway's only durable state: the first response to each `Idempotency-Key` of a merchant,
 * replayed for 24 hours. `response_status` is null while the first request is in flight;
 * `locked_until` lets a retry take over a key whose gateway died mid-request. The request is kept
 * as per-field hashes (`fingerprint`), enough to name the field a reused key changed without
 * keeping the merchant's values. fillfactor 70 leaves room on each page so the completing UPDATE
 * (no indexed column changes) stays a HOT update.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table idempotency_keys (
      scope            text        not null,
      key              text        not null,
      request_method   text        not null,
      request_path     text        not null,
      fingerprint      jsonb       not null,
      response_status  smallint,
      response_headers jsonb,
      response_body    text,
      locked_until     timestamptz,
      created_at       timestamptz not null,
      expires_at       timestamptz not null,
      primary key (scope, key)
    ) with (fillfactor = 70)
  `);
  await knex.raw('create index idempotency_keys_expires_at_idx on idempotency_keys (expires_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table idempotency_keys');
}
