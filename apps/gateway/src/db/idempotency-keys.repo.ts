import type { Knex } from '@tolem/db-kit';

import type {
  ClaimResult,
  IdempotencyStore,
  LookupResult,
  RequestPrint,
  StoredResponse,
} from '../http/idempotency/store';

interface ClaimRow {
  scope: string;
  key: string;
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
}

/**
 * One statement claims a batch of keys: the upsert takes each key that is new, expired or
 * abandoned, and the join reads, in the statement's snapshot (the record as it was before the
 * statement), the live record of every key it did not take. A key that a concurrent first request
 * inserted after that snapshot has neither: that request is in flight, which is what the caller
 * is told. Keys are unique within a batch (a repeat waits for the next batch), so the upsert never
 * touches a row twice.
 */
const CLAIM_SQL = `
with input as (
  select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                       ?::timestamptz[], ?::timestamptz[], ?::timestamptz[])
    as i(scope, key, request_method, request_path, fingerprint, locked_until, created_at, expires_at)
),
claimed as (
  insert into idempotency_keys as k
    (scope, key, request_method, request_path, fingerprint, locked_until, created_at, expires_at)
  select scope, key, request_method, request_path, fingerprint::jsonb, locked_until, created_at,
         expires_at
    from input order by scope, key
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
  returning k.scope, k.key
)
select i.scope, i.key, c.key is not null as claimed, k.request_method, k.request_path,
       k.fingerprint, k.response_status, k.response_headers, k.response_body
  from input i
  left join claimed c on c.scope = i.scope and c.key = i.key
  left join idempotency_keys k on c.key is null and k.scope = i.scope and k.key = i.key`;

interface Claim {
  scope: string;
  key: string;
  request: RequestPrint;
  times: { now: Date; expiresAt: Date; lockedUntil: Date };
}

function resultOf(claim: Claim, row: ClaimRow | undefined): ClaimResult {
  if (row?.claimed) return { outcome: 'claimed' };
  if (!row?.request_method) return { outcome: 'in_flight', request: claim.request };
  const stored: RequestPrint = {
    method: row.request_method,
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
}

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

/**
 * Reads the live records of a batch of keys in one statement (no write, no commit to wait for):
 * completed ones, and in-flight ones whose lease has not run out at the item's `now`. Planned on
 * every call, never from a cached generic plan: one made while the table was small (a fresh
 * gateway) hashes the whole table on every lookup once it has grown (1.5 ms a lookup at 10,000
 * keys in bench:api, 77 ms at 30,000), until an analyze happens to replace it.
 */
const FIND_SQL = `
select i.scope, i.key, k.request_method, k.request_path, k.fingerprint, k.response_status,
       k.response_headers, k.response_body
  from unnest($1::text[], $2::text[], $3::timestamptz[]) as i(scope, key, now)
  join idempotency_keys k on k.scope = i.scope and k.key = i.key
 where k.expires_at > i.now
   and (k.response_status is not null or k.locked_until > i.now)`;

/**
 * Inserts a batch of first answers as completed rows: one row version per key instead of a claim
 * and its completing update. Takes over a key only where CLAIM_SQL would (expired or abandoned);
 * keys are unique within a batch and sorted, as in CLAIM_SQL.
 */
const RECORD_SQL = `
insert into idempotency_keys as k
  (scope, key, request_method, request_path, fingerprint, response_status, response_headers,
   response_body, locked_until, created_at, expires_at)
select scope, key, request_method, request_path, fingerprint::jsonb, status, headers::jsonb,
       body, null, created_at, expires_at
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[],
              $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
    as i(scope, key, request_method, request_path, fingerprint, status, headers, body,
         created_at, expires_at)
 order by scope, key
on conflict (scope, key) do update set
  request_method = excluded.request_method,
  request_path = excluded.request_path,
  fingerprint = excluded.fingerprint,
  response_status = excluded.response_status,
  response_headers = excluded.response_headers,
  response_body = excluded.response_body,
  locked_until = null,
  created_at = excluded.created_at,
  expires_at = excluded.expires_at
where k.expires_at <= excluded.created_at
   or (k.response_status is null and k.locked_until <= excluded.created_at)
returning k.scope, k.key`;

const idOf = (r: { scope: string; key: string }) => `${r.scope}\u0000${r.key}`;

/** The pg client under a knex pool connection: named statements need it directly. */
interface PgConnection {
  query<R>(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs a statement on a pooled connection without knex's binding pass (the hot path of every
 * payment create). With a name it is parsed and planned once per connection, not per batch: only
 * for statements whose plan cannot depend on the table's size (an insert); without one it is
 * planned for the table as it is at each call.
 */
async function runDirect<R>(
  db: Knex,
  text: string,
  values: unknown[],
  name?: string,
): Promise<R[]> {
  const conn = (await db.client.acquireConnection()) as PgConnection;
  try {
    return (await conn.query<R>(name ? { name, text, values } : { text, values })).rows;
  } finally {
    await db.client.releaseConnection(conn);
  }
}

interface Queued<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * A failure that belongs to an item's data (SQLSTATE class 22, data exception; 23, integrity
 * constraint) rather than to the database being away: its batch is worth trying item by item.
 */
function isItemError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/**
 * Calls of concurrent requests that go as one statement: while one runs, the next queue up and
 * go together; an idle gateway runs a call at once. A key appears once per statement (a repeat
 * waits for the next), so an upsert never touches a row twice. A batch refused for one item's
 * data is run again item by item, so that item fails alone instead of every request beside it
 * (other merchants' too).
 */
function batched<T extends { scope: string; key: string }, R>(
  run: (batch: T[]) => Promise<R[]>,
): (item: T) => Promise<R> {
  let queue: Queued<T, R>[] = [];
  let running = false;
  async function settle(batch: Queued<T, R>[]): Promise<void> {
    try {
      const results = await run(batch.map((q) => q.item));
      batch.forEach((q, i) => q.resolve(results[i] as R));
    } catch (err) {
      if (batch.length > 1 && isItemError(err)) {
        for (const q of batch) await settle([q]);
      } else {
        for (const q of batch) q.reject(err);
      }
    }
  }
  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch: Queued<T, R>[] = [];
      const later: Queued<T, R>[] = [];
      const seen = new Set<string>();
      for (const q of queue) {
        const id = idOf(q.item);
        if (batch.length < MAX_BATCH && !seen.has(id)) {
          seen.add(id);
          batch.push(q);
        } else {
          later.push(q);
        }
      }
      queue = later;
      await settle(batch);
    }
    running = false;
  }
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void drain();
    });
}

interface Lookup {
  scope: string;
  key: string;
  now: Date;
}

interface Recording {
  scope: string;
  key: string;
  request: RequestPrint;
  response: StoredResponse;
  times: { now: Date; expiresAt: Date };
}

function lookupOf(row: ClaimRow | undefined): LookupResult {
  if (!row?.request_method) return { outcome: 'absent' };
  const request: RequestPrint = {
    method: row.request_method,
    path: row.request_path ?? '',
    fingerprint: row.fingerprint ?? {},
  };
  if (row.response_status === null) return { outcome: 'in_flight', request };
  return {
    outcome: 'completed',
    request,
    response: {
      status: row.response_status,
      headers: row.response_headers ?? {},
      body: row.response_body ?? '',
    },
  };
}

export function createIdempotencyKeysRepo(db: Knex): IdempotencyStore {
  /** Claims go together: one statement (and one commit) for all that queued meanwhile. */
  const claim = batched<Claim, ClaimResult>(async (batch) => {
    const result = await db.raw<{ rows: ClaimRow[] }>(CLAIM_SQL, [
      batch.map((c) => c.scope),
      batch.map((c) => c.key),
      batch.map((c) => c.request.method),
      batch.map((c) => c.request.path),
      batch.map((c) => JSON.stringify(c.request.fingerprint)),
      batch.map((c) => c.times.lockedUntil),
      batch.map((c) => c.times.now),
      batch.map((c) => c.times.expiresAt),
    ]);
    const rows = new Map(result.rows.map((r) => [idOf(r), r]));
    return batch.map((c) => resultOf(c, rows.get(idOf(c))));
  });

  const complete = batched<Completion, undefined>(async (batch) => {
    await db.raw(COMPLETE_SQL, [
      batch.map((c) => c.scope),
      batch.map((c) => c.key),
      batch.map((c) => c.response.status),
      batch.map((c) => JSON.stringify(c.response.headers)),
      batch.map((c) => c.response.body),
    ]);
    return batch.map(() => undefined);
  });

  const find = batched<Lookup, LookupResult>(async (batch) => {
    const found = await runDirect<ClaimRow>(db, FIND_SQL, [
      batch.map((l) => l.scope),
      batch.map((l) => l.key),
      batch.map((l) => l.now.toISOString()),
    ]);
    const rows = new Map(found.map((r) => [idOf(r), r]));
    return batch.map((l) => lookupOf(rows.get(idOf(l))));
  });

  const record = batched<Recording, boolean>(async (batch) => {
    const taken = await runDirect<{ scope: string; key: string }>(
      db,
      RECORD_SQL,
      [
        batch.map((r) => r.scope),
        batch.map((r) => r.key),
        batch.map((r) => r.request.method),
        batch.map((r) => r.request.path),
        batch.map((r) => JSON.stringify(r.request.fingerprint)),
        batch.map((r) => r.response.status),
        batch.map((r) => JSON.stringify(r.response.headers)),
        batch.map((r) => r.response.body),
        batch.map((r) => r.times.now.toISOString()),
        batch.map((r) => r.times.expiresAt.toISOString()),
      ],
      'gateway_idempotency_record_v1',
    );
    const stored = new Set(taken.map(idOf));
    return batch.map((r) => stored.has(idOf(r)));
  });

  return {
    find: (scope, key, now) => find({ scope, key, now }),

    record: (scope, key, request, response, times) =>
      record({ scope, key, request, response, times }),

    claim: (scope, key, request, times) => claim({ scope, key, request, times }),

    complete: async (scope, key, response) => {
      await complete({ scope, key, response });
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
