import { Client } from 'pg';

/** Database names are interpolated as identifiers, so only plain names are accepted. */
function assertName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(name))
    throw new Error(`Unsupported database name: ${JSON.stringify(name)}`);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The same server and credentials as superuserUrl, pointing at another database. */
export function databaseUrl(superuserUrl: string, name: string): string {
  const url = new URL(superuserUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE for each missing name (concurrent callers are fine); returns name -> URL. */
export async function createDatabases(
  superuserUrl: string,
  names: string[],
): Promise<Record<string, string>> {
  names.forEach(assertName);
  await withClient(superuserUrl, async (client) => {
    for (const name of names) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) continue;
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      } catch (err) {
        // 42P04 duplicate_database, 23505 unique_violation: another process won the race.
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err;
      }
    }
  });
  return Object.fromEntries(names.map((n) => [n, databaseUrl(superuserUrl, n)]));
}

/** DROP DATABASE IF EXISTS ... WITH (FORCE): open connections (e.g. a leaked pool) do not block it. */
export async function dropDatabases(superuserUrl: string, names: string[]): Promise<void> {
  names.forEach(assertName);
  await withClient(superuserUrl, async (client) => {
    for (const name of names)
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}
