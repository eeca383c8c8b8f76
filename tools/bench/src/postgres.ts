import pg from 'pg';

/** One short-lived connection for one piece of work (the bench's own queries, not the apps'). */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The first column of the first row, as text. */
export async function scalar(
  client: pg.Client,
  sql: string,
  values: unknown[] = [],
): Promise<string> {
  const r = await client.query<Record<string, string>>(sql, values);
  return String(Object.values(r.rows[0] ?? {})[0] ?? '');
}

/** The durability settings a run used, to print beside its figures. */
export function settings(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const rows: string[] = [];
    for (const name of ['fsync', 'synchronous_commit', 'full_page_writes', 'server_version']) {
      rows.push(`${name}=${(await scalar(client, `show ${name}`)) || '?'}`);
    }
    return rows.join(' ');
  });
}

/**
 * Flushes dirty buffers, so the next phase does not pay for the previous one's writes (the
 * apps' data would otherwise be checkpointed while pgbench runs).
 */
export async function checkpoint(url: string): Promise<void> {
  await withClient(url, (client) => client.query('checkpoint'));
}

/**
 * What pgbench does to its own tables before a run (it vacuums them unless told -n), done to an
 * app's: VACUUM ANALYZE, then CHECKPOINT, so no run pays for the previous one's dead tuples,
 * autovacuum or dirty pages.
 */
export async function settle(appUrl: string, serverUrl: string): Promise<void> {
  await withClient(appUrl, (client) => client.query('vacuum analyze'));
  await checkpoint(serverUrl);
}

/** The server's WAL position now; with walSince, the WAL a run wrote (a proxy for its I/O). */
export function walLsn(url: string): Promise<string> {
  return withClient(url, (client) => scalar(client, 'select pg_current_wal_lsn()::text'));
}

export async function walSince(url: string, lsn: string): Promise<number> {
  const bytes = await withClient(url, (client) =>
    scalar(client, 'select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text', [lsn]),
  );
  return Number.parseInt(bytes || '0', 10);
}

/** BENCH_STATEMENTS=1: the bench's own cluster preloads pg_stat_statements and each run prints its top statements. */
export const STATEMENT_STATS = process.env['BENCH_STATEMENTS'] === '1';

/** Starts counting statements afresh (cluster-wide; a no-op unless BENCH_STATEMENTS=1). */
export async function resetStatements(serverUrl: string): Promise<void> {
  if (!STATEMENT_STATS) return;
  await withClient(serverUrl, async (client) => {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select pg_stat_statements_reset()');
  });
}

/**
 * The statements since resetStatements that took the most of PostgreSQL's time, per item of
 * the run (a delivery, a create, a payment): calls and execution µs per item, the mean, the
 * database and the query text. Lines to print; none unless BENCH_STATEMENTS=1.
 */
export async function topStatements(
  serverUrl: string,
  items: number,
  limit = 15,
): Promise<string[]> {
  if (!STATEMENT_STATS || items <= 0) return [];
  const rows = await withClient(serverUrl, async (client) => {
    const r = await client.query<{
      db: string;
      calls: string;
      total_ms: number;
      mean_ms: number;
      query: string;
    }>(
      `select d.datname as db, s.calls::text as calls, s.total_exec_time as total_ms,
         s.mean_exec_time as mean_ms, s.query
       from pg_stat_statements s join pg_database d on d.oid = s.dbid
       order by s.total_exec_time desc limit $1`,
      [limit],
    );
    return r.rows;
  });
  const all = await withClient(serverUrl, (client) =>
    scalar(
      client,
      "select coalesce(sum(calls), 0)::text || ' ' || coalesce(sum(total_exec_time), 0)::text from pg_stat_statements",
    ),
  );
  const [calls = '0', totalMs = '0'] = all.split(' ');
  const lines = [
    `statements: ${(Number(calls) / items).toFixed(1)} per item, ${((Number(totalMs) * 1_000) / items).toFixed(0)} µs of execution per item in all; the top ${rows.length}:`,
    '  calls/item  µs/item  mean ms  database  query',
  ];
  for (const r of rows) {
    lines.push(
      [
        (Number(r.calls) / items).toFixed(2).padStart(12),
        ((r.total_ms * 1_000) / items).toFixed(0).padStart(7),
        r.mean_ms.toFixed(2).padStart(7),
        r.db.padEnd(8),
        r.query.replace(/\s+/g, ' ').slice(0, 160),
      ].join('  '),
    );
  }
  return lines;
}
