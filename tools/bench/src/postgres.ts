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
