import type { Knex } from '@tolem/db-kit';

import type {
  ClaimResult,
  IdempotencyStore,
  RequestPrint,
  StoredResponse,
} from '../http/idempotency/store';

interface ClaimRow {
  claimed: boolean;
  request_method: string | null;
  request_path: string | null;
  fingerprint: Record<string, string> | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

interface Completion {
  scope: string;
  key: string;
  response: StoredResponse;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * One statement claims a key: the upsert takes it when it is new, expired or abandoned, and the
 * second SELECT (same snapshot, so it sees the record as it was before the statement) reads the
 * live record otherwise. When a concurrent first request inserted the key after that snapshot,
 * neither branch returns a row: that request is in flight, which is what the caller is told.
 */
const CLAIM_SQL = `
with claimed as (
  insert into idempotency_keys as k
    (scope, key, request_method, request_path, fingerprint, locked_until, created_at, expires_at)
  values (?, ?, ?, ?, ?::jsonb, ?, ?, ?)
  on conflict (scope, key) do update set
    request_method = excluded.request_method,
    request_path = excluded.request_path,
    fingerprint = excluded.fingerprint,
    response_status = null,
    response_headers = null,
    response_body = null,
    locked_until = excluded.locked_until,
    created_at = excluded.created_at,
    expires_at = excluded.expires_at
  where k.expires_at <= excluded.created_at
     or (k.response_status is null and k.locked_until <= excluded.created_at)
  returning 1
)
select true as claimed, null::text as request_method, null::text as request_path,
       null::jsonb as fingerprint, null::smallint as response_status,
       null::jsonb as response_headers, null::text as response_body
  from claimed
union all
select false, request_method, request_path, fingerprint, response_status, response_headers,
       response_body
  from idempotency_keys
 where scope = ? and key = ? and not exists (select 1 from claimed)`;

/**
 * Completions of concurrent requests are written together: while one UPDATE is on its way, the
 * ones that arrive queue up and go as the next single UPDATE over unnest()ed arrays, so under load
 * the gateway spends far fewer commits than requests, and an idle gateway writes at once.
 */
const COMPLETE_SQL = `
update idempotency_keys k
   set response_status = c.status, response_headers = c.headers::jsonb,
       response_body = c.body, locked_until = null
  from unnest(?::text[], ?::text[], ?::smallint[], ?::text[], ?::text[])
       as c(scope, key, status, headers, body)
 where k.scope = c.scope and k.key = c.key`;

/** Completions written in one statement at most; the rest wait for the next. */
const MAX_BATCH = 500;

export function createIdempotencyKeysRepo(db: Knex): IdempotencyStore {
  let queue: Completion[] = [];
  let writing = false;

  async function flush(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      try {
        await db.raw(COMPLETE_SQL, [
          batch.map((c) => c.scope),
          batch.map((c) => c.key),
          batch.map((c) => c.response.status),
          batch.map((c) => JSON.stringify(c.response.headers)),
          batch.map((c) => c.response.body),
        ]);
        for (const c of batch) c.resolve();
      } catch (err) {
        for (const c of batch) c.reject(err);
      }
    }
    writing = false;
  }

  return {
    async claim(scope, key, request, times): Promise<ClaimResult> {
      const result = await db.raw<{ rows: ClaimRow[] }>(CLAIM_SQL, [
        scope,
        key,
        request.method,
        request.path,
        JSON.stringify(request.fingerprint),
        times.lockedUntil,
        times.now,
        times.expiresAt,
        scope,
        key,
      ]);
      const row = result.rows[0];
      if (!row) {
        return { outcome: 'in_flight', request: { ...request, fingerprint: request.fingerprint } };
      }
      if (row.claimed) return { outcome: 'claimed' };
      const stored: RequestPrint = {
        method: row.request_method ?? '',
        path: row.request_path ?? '',
        fingerprint: row.fingerprint ?? {},
      };
      if (row.response_status === null) return { outcome: 'in_flight', request: stored };
      return {
        outcome: 'completed',
        request: stored,
        response: {
          status: row.response_status,
          headers: row.response_headers ?? {},
          body: row.response_body ?? '',
        },
      };
    },

    complete(scope, key, response) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ scope, key, response, resolve, reject });
        if (!writing) void flush();
      });
    },

    async release(scope, key) {
      await db('idempotency_keys').where({ scope, key }).whereNull('response_status').delete();
    },

    async sweep(now, limit) {
      const result = await db.raw<{ rowCount: number }>(
        `delete from idempotency_keys where ctid in (
           select ctid from idempotency_keys where expires_at <= ? limit ?)`,
        [now, limit],
      );
      return result.rowCount;
    },
  };
}
