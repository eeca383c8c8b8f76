import { createGroupCommitter, type Outcome } from '@tolem/batching';
import { Secret } from '@tolem/config';
import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import type { NewDelivery } from '../domain/delivery';
import type { AckMode, BodyFormat, DisabledReason } from '../domain/endpoint';
import type {
  AttemptEffects,
  AttemptResult,
  DeliveryRepository,
  DispatchRepository,
  DispatchTarget,
} from '../domain/ports';
import { type DeliveryRow, toDomain } from './delivery.row';

const INSERT_CHUNK = 1_000;

function deliveryRow(d: NewDelivery) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    payment_id: d.paymentId,
    merchant_id: d.merchantId,
    endpoint_id: d.endpointId,
    sequence: d.sequence.toString(),
    livemode: d.livemode,
    url: d.url,
    payload: d.payload,
    status: 'pending',
    next_attempt_at: d.nextAttemptAt,
    expires_at: d.expiresAt,
    created_at: d.createdAt,
    trace_context: d.traceContext ? JSON.stringify(d.traceContext) : null,
  };
}

/** Works on the pool or on a transaction (the consumer passes its transaction). */
export function createDeliveriesRepo(db: Knex): DeliveryRepository {
  return {
    async insertMany(ds) {
      let inserted = 0;
      // Chunks keep a statement's parameters (15 a row) well under PostgreSQL's 65,535.
      for (let i = 0; i < ds.length; i += INSERT_CHUNK) {
        const rows = await db('deliveries')
          .insert(ds.slice(i, i + INSERT_CHUNK).map(deliveryRow))
          .onConflict(['event_id', 'endpoint_id'])
          .ignore()
          .returning('id');
        inserted += rows.length;
      }
      return inserted;
    },

    async get(id) {
      const row = await db<DeliveryRow>('deliveries').where({ id }).first();
      return row ? toDomain(row as DeliveryRow) : undefined;
    },

    async list(q) {
      const query = db<DeliveryRow>('deliveries').where({ merchant_id: q.merchantId });
      if (q.paymentId) query.andWhere({ payment_id: q.paymentId });
      if (q.beforeId) query.andWhere('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit);
      return rows.map((r) => toDomain(r as DeliveryRow));
    },

    async requeue(id, changes) {
      const [row] = await db<DeliveryRow>('deliveries')
        .where({ id })
        .update({
          status: 'pending',
          next_attempt_at: changes.now,
          expires_at: changes.expiresAt,
          url: changes.url,
          delivered_at: null,
          // The retry window starts again with the next attempt.
          first_attempt_at: null,
          leased_until: null,
        })
        .returning('*');
      return row ? toDomain(row as DeliveryRow) : undefined;
    },
  };
}

interface ClaimedRow extends DeliveryRow {
  order_id: string | null;
  endpoint_url: string;
  endpoint_format: BodyFormat;
  endpoint_ack: AckMode;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_secret_expires_at: Date | null;
}

function toTarget(row: ClaimedRow, now: Date): DispatchTarget {
  const overlapping =
    row.previous_signing_secret !== null &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at.getTime() > now.getTime();
  return {
    delivery: toDomain(row),
    leasedUntil: row.leased_until as Date,
    firstAttemptAt: row.first_attempt_at ?? null,
    orderId: row.order_id ?? '',
    endpoint: {
      id: row.endpoint_id,
      url: row.endpoint_url,
      format: row.endpoint_format,
      ack: row.endpoint_ack,
      signingSecret: new Secret(row.signing_secret),
      ...(overlapping
        ? { previousSigningSecret: new Secret(row.previous_signing_secret as string) }
        : {}),
    },
  };
}

const laneOf = (id: string) => (id.charCodeAt(id.length - 1) + id.charCodeAt(id.length - 2)) % 4;

interface EndpointEventRow {
  id: string;
  endpoint_id: string;
  merchant_id: string;
  type: string;
  delivery_id: string | null;
  detail: string;
  created_at: Date;
}

const eventOf = (
  r: AttemptResult,
  type: string,
  detail: string,
  deliveryId: string | null,
): EndpointEventRow => ({
  id: newId('wev'),
  endpoint_id: r.target.endpoint.id,
  merchant_id: r.target.delivery.merchantId,
  type,
  delivery_id: deliveryId,
  detail,
  created_at: r.attemptedAt,
});

/**
 * The endpoints' health after a batch's unacknowledged attempts, and the events they raise, in
 * three statements for the whole batch rather than two or three per failure (a failing endpoint's
 * row was updated once per attempt, and lanes recording attempts to the same endpoint queued on
 * its row lock: 0.9 ms a statement at 2,000 deliveries/s in bench:notifier). Per endpoint, in id
 * order: failing since its earliest failed attempt unless already failing; disabled when one of
 * its attempts answered 410 Gone (reason `gone`, at the first such attempt) or when it has been
 * failing since its latest attempt's auto-disable bound (reason `failing`, at that attempt). The
 * attempt named as the disabling one carries `endpointDisabled`.
 */
async function endpointEffects(
  trx: Knex.Transaction,
  failed: readonly AttemptResult[],
  exhausted: (r: AttemptResult) => boolean,
): Promise<Map<AttemptResult, AttemptEffects>> {
  const effects = new Map<AttemptResult, AttemptEffects>(
    failed.map((r) => [r, { exhausted: exhausted(r) }]),
  );
  const events: EndpointEventRow[] = failed
    .filter(exhausted)
    .map((r) =>
      eventOf(
        r,
        'delivery.exhausted',
        `retry window closed; last error: ${r.decision.error}`,
        r.target.delivery.id,
      ),
    );
  const byEndpoint = new Map<string, { first: AttemptResult; disabling: AttemptResult }>();
  for (const r of failed) {
    const seen = byEndpoint.get(r.target.endpoint.id);
    if (!seen) {
      byEndpoint.set(r.target.endpoint.id, { first: r, disabling: r });
    } else if (seen.disabling.decision.endpoint !== 'gone') {
      seen.disabling = r;
    }
  }
  const endpoints = [...byEndpoint.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (endpoints.length > 0) {
    await trx.raw(
      `update webhook_endpoints e set failing_since = v.at
         from unnest(?::text[], ?::timestamptz[]) as v(id, at)
        where e.id = v.id and e.failing_since is null`,
      [endpoints.map(([id]) => id), endpoints.map(([, a]) => a.first.attemptedAt)],
    );
    const disabled = await trx.raw<{ rows: { id: string; disabled_reason: DisabledReason }[] }>(
      `update webhook_endpoints e
          set status = 'disabled', disabled_reason = case when v.gone then 'gone' else 'failing' end,
              disabled_at = v.at, updated_at = v.at
         from unnest(?::text[], ?::boolean[], ?::timestamptz[], ?::timestamptz[])
           as v(id, gone, at, bound)
        where e.id = v.id and e.status = 'enabled' and (v.gone or e.failing_since <= v.bound)
       returning e.id, e.disabled_reason`,
      [
        endpoints.map(([id]) => id),
        endpoints.map(([, a]) => a.disabling.decision.endpoint === 'gone'),
        endpoints.map(([, a]) => a.disabling.attemptedAt),
        endpoints.map(([, a]) => a.disabling.disableIfFailingSince),
      ],
    );
    for (const { id, disabled_reason: reason } of disabled.rows) {
      const r = byEndpoint.get(id)?.disabling;
      if (!r) continue;
      effects.set(r, { exhausted: exhausted(r), endpointDisabled: reason });
      events.push(
        eventOf(
          r,
          'endpoint.disabled',
          reason === 'gone'
            ? 'the endpoint answered 410 Gone'
            : 'every attempt failed for the auto-disable period',
          null,
        ),
      );
    }
  }
  if (events.length > 0) await trx('endpoint_events').insert(events);
  return effects;
}

/**
 * A merchant's answer as PostgreSQL text can hold it: NUL, which a text value cannot contain
 * (a UTF-16 `OK` is `O\0K\0`), shown as U+FFFD. Refused, the attempt was never recorded and the
 * delivery was sent again at every lease's end, for ever.
 */
function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

/**
 * Records attempts in one transaction: group commit, one fsync for the many attempts that finish
 * together under load. The attempts, the deliveries' new states (leases released), the
 * successes' endpoint health and the failures' (see endpointEffects) take a statement each for
 * the whole batch. Only a pending delivery still under the attempt's own lease moves: a late
 * answer never undoes an acknowledged delivery, nor records over another dispatcher's claim.
 */
async function recordBatch(db: Knex, batch: AttemptResult[]): Promise<Outcome<AttemptEffects>[]> {
  return db.transaction(async (trx) => {
    // One statement text for any batch size (one plan, one pg_stat_statements entry), and the
    // deliveries found by primary key. Joined to the unnest alone the planner scanned the whole
    // table once it held a backlog; given `status = 'pending'` it read a whole pending-only index
    // (statistics from a quiet moment say few rows are pending: 1,600 buffers, 3-5 ms a batch
    // in bench:notifier), so the status is tested in a form no partial index matches.
    const ids = batch.map((r) => r.target.delivery.id);
    const urls = batch.map((r) => r.target.endpoint.url);
    const codes = batch.map((r) => r.statusCode);
    const errors = batch.map((r) => storableText(r.decision.error));
    const attemptedAts = batch.map((r) => r.attemptedAt);
    await trx.raw(
      `
      insert into delivery_attempts
        (delivery_id, attempted_at, status_code, error, duration_ms, response_snippet, url)
      select * from unnest(?::text[], ?::timestamptz[], ?::int[], ?::text[], ?::int[], ?::text[],
        ?::text[])`,
      [
        ids,
        attemptedAts,
        codes,
        errors,
        batch.map((r) => Math.max(0, Math.round(r.durationMs))),
        batch.map((r) => storableText(r.responseSnippet)),
        urls,
      ] as unknown as readonly Knex.Value[],
    );
    const moved = await trx.raw<{ rows: { id: string }[] }>(
      `
      update deliveries d set attempts = d.attempts + 1, status = v.status,
        next_attempt_at = v.next_attempt_at, last_status_code = v.code, last_error = v.error,
        delivered_at = v.delivered_at, url = v.url, leased_until = null,
        first_attempt_at = coalesce(d.first_attempt_at, v.attempted_at)
      from unnest(?::text[], ?::text[], ?::timestamptz[], ?::int[], ?::text[], ?::timestamptz[],
        ?::text[], ?::timestamptz[], ?::timestamptz[])
        as v(id, status, next_attempt_at, code, error, delivered_at, url, attempted_at, lease)
      where d.id = v.id and d.id = any(?::text[]) and coalesce(d.status, '') = 'pending'
        and d.leased_until = v.lease
      returning d.id`,
      [
        ids,
        batch.map((r) => r.decision.status),
        batch.map((r) => r.decision.nextAttemptAt),
        codes,
        errors,
        batch.map((r) => (r.decision.status === 'delivered' ? r.attemptedAt : null)),
        urls,
        attemptedAts,
        batch.map((r) => r.target.leasedUntil),
        ids,
      ] as unknown as readonly Knex.Value[],
    );
    const movedIds = new Set(moved.rows.map((row) => row.id));
    const succeeded = [
      ...new Set(
        batch.filter((r) => r.decision.endpoint === 'succeeded').map((r) => r.target.endpoint.id),
      ),
    ];
    if (succeeded.length > 0) {
      await trx('webhook_endpoints')
        .whereIn('id', succeeded)
        .whereNotNull('failing_since')
        .update({ failing_since: null });
    }
    const exhausted = (r: AttemptResult) =>
      movedIds.has(r.target.delivery.id) && r.decision.status === 'exhausted';
    const failures = await endpointEffects(
      trx,
      batch.filter((r) => r.decision.endpoint !== 'succeeded'),
      exhausted,
    );
    return batch.map(
      (r): Outcome<AttemptEffects> => ({
        ok: true,
        value: failures.get(r) ?? { exhausted: exhausted(r) },
      }),
    );
  });
}

/**
 * The dispatcher's queries. Claims are short transactions that lease rows (leased_until), so an
 * attempt holds no lock while the merchant answers.
 */
export function createDispatchRepo(db: Knex): DispatchRepository {
  const recorder = createGroupCommitter<AttemptResult, AttemptEffects>({
    lanes: 4,
    maxBatch: 200,
    laneOf: (r) => laneOf(r.target.delivery.id),
    writeBatch: (batch) => recordBatch(db, batch),
    writeOne: async (r) => {
      const [outcome] = await recordBatch(db, [r]);
      if (!outcome?.ok) throw outcome?.error;
      return outcome.value;
    },
  });
  return {
    async claim(now, limit, leaseUntil, endpointIds) {
      // Per enabled endpoint with room (max_in_flight minus its unexpired leases, counted on the
      // small leased index), its oldest due deliveries up to that room, found through
      // (endpoint_id, next_attempt_at): one endpoint's backlog never hides another's work, and
      // with endpointIds only those endpoints are looked at (new work names its endpoints). A
      // payment's later delivery to an endpoint waits while an earlier one is pending (in flight or
      // waiting to retry): "no earlier pending one" probes the endpoint's pending rows of that
      // payment. skip locked: dispatchers claim disjoint rows; two claiming at once may briefly
      // exceed an endpoint's limit by one claim's share at most.
      const only = endpointIds ? 'and e.id = any(cast(:endpointIds as text[]))' : '';
      const result = await db.raw<{ rows: ClaimedRow[] }>(
        `
        with candidates as (
          select c.id, c.next_attempt_at
          from webhook_endpoints e
          cross join lateral (
            -- A lease is cleared when its attempt is recorded; one on a delivery ended meanwhile
            -- (canceled) is still an attempt in flight until it runs out.
            select count(*)::int as n from deliveries l
            where l.endpoint_id = e.id and l.leased_until > :now
          ) f
          cross join lateral (
            select d.id, d.next_attempt_at from deliveries d
            where d.endpoint_id = e.id and d.status = 'pending' and d.next_attempt_at <= :now
              and (d.leased_until is null or d.leased_until <= :now)
              and not exists (
                select from deliveries p
                where p.endpoint_id = d.endpoint_id and p.payment_id = d.payment_id
                  and p.status = 'pending' and (p.sequence, p.id) < (d.sequence, d.id)
                -- A fence: without it the anti-join is planned per endpoint (p.endpoint_id = e.id),
                -- reading all of a busy endpoint's pending rows for every candidate.
                offset 0
              )
            order by d.next_attempt_at, d.id
            limit e.max_in_flight - f.n
          ) c
          where e.status = 'enabled' and f.n < e.max_in_flight ${only}
        ),
        picked as (
          select d.id from deliveries d join candidates c on c.id = d.id
          order by c.next_attempt_at, c.id
          limit :limit
          for update of d skip locked
        )
        update deliveries d set leased_until = :leaseUntil
        from webhook_endpoints e
        where d.id = any (array(select id from picked)) and e.id = d.endpoint_id
        returning d.*, e.url as endpoint_url, e.format as endpoint_format, e.ack as endpoint_ack,
          e.signing_secret, e.previous_signing_secret, e.previous_secret_expires_at,
          (select coalesce(n.data -> 'event' ->> 'orderId',
                           (n.data ->> 'legacy_json')::jsonb -> 'data' ->> 'order_id')
             from notification_events n where n.event_id = d.event_id) as order_id`,
        { now, limit, leaseUntil, ...(endpointIds ? { endpointIds: [...endpointIds] } : {}) },
      );
      return result.rows.map((row) => toTarget(row, now));
    },

    recordAttempt: (r) => recorder.submit(r),

    async expireWaiting(now, windowMs) {
      // A disabled endpoint's deliveries wait untried; their window (from creation, when no
      // attempt started one) closing ends them like any other.
      return db.transaction(async (trx) => {
        const { rows } = await trx.raw<{
          rows: { id: string; endpoint_id: string; merchant_id: string }[];
        }>(
          `
          update deliveries d set status = 'exhausted',
            last_error = 'endpoint disabled until the retry window closed'
          from webhook_endpoints e
          where e.id = d.endpoint_id and e.status = 'disabled' and d.status = 'pending'
            and coalesce(d.first_attempt_at, d.created_at) <= :deadline
          returning d.id, d.endpoint_id, d.merchant_id`,
          { deadline: new Date(now.getTime() - windowMs) },
        );
        if (rows.length > 0) {
          await trx('endpoint_events').insert(
            rows.map((row) => ({
              id: newId('wev'),
              endpoint_id: row.endpoint_id,
              merchant_id: row.merchant_id,
              type: 'delivery.exhausted',
              delivery_id: row.id,
              detail: 'endpoint disabled until the retry window closed',
              created_at: now,
            })),
          );
        }
        return rows.length;
      });
    },
  };
}
