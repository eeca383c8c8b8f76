import { isLoopbackHost } from '@tolem/runtime';
import knex, { type Knex } from 'knex';
import pg from 'pg';

export type { Knex } from 'knex';

// int8 arrives as bigint (money, sequences), never as a lossy number or a string.
pg.types.setTypeParser(20, (value: string) => BigInt(value));
// numeric stays a string: nothing in Tolem does float math on it.
pg.types.setTypeParser(1700, (value: string) => value);

export interface DbOptions {
  url: string;
  poolMax?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * The server cancels a statement running longer (SQLSTATE 57014). Services keep the default: a
   * stuck query otherwise holds its pooled connection, and its locks, forever. Operator tools that
   * scan whole tables pass 0, which sets none (the server's own setting applies).
   */
  statementTimeoutMs?: number;
  /**
   * The server ends a session left idle inside a transaction longer (SQLSTATE 25P03), so a process
   * that hung mid-transaction does not keep its row locks from every other replica.
   */
  idleInTransactionTimeoutMs?: number;
}

/** A statement of a service's request path runs milliseconds; a minute is far past any of them. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/**
 * TCP keepalive after this much silence: a connection whose server vanished (failover, a dropped
 * network path) is found dead and discarded instead of waiting for an answer that never comes.
 */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

/**
 * The host a URL reaches and its parameters, read as node-postgres reads them: a `host`
 * parameter wins over the authority, `postgres://u@/db` has no host (node-postgres then uses
 * PGHOST or localhost), a `socket:` URL is a unix socket. Undefined when it cannot be read.
 */
function reach(url: string): { host: string; params: URLSearchParams } | undefined {
  let parsed: URL;
  let hostless = false;
  try {
    parsed = new URL(url);
  } catch {
    try {
      parsed = new URL(url.replace('@/', '@___DUMMY___/'));
      hostless = true;
    } catch {
      return undefined;
    }
  }
  const params = parsed.searchParams;
  if (parsed.protocol === 'socket:') return { host: decodeURI(parsed.pathname), params };
  const hostname = hostless ? '' : parsed.hostname.replace(/^\[(.+)\]$/, '$1');
  return { host: params.get('host') || decodeURIComponent(hostname), params };
}

/**
 * Why a URL may not be used, or undefined. node-postgres speaks plaintext unless the URL asks for
 * TLS, and its weaker sslmodes (require, prefer, verify-ca, no-verify) verify less than they seem
 * to or, from pg 9, will: a URL to another machine must say `sslmode=verify-full` (with
 * `sslrootcert`, deploy/README.md) or, deliberately, `sslmode=disable`. Loopback addresses and
 * unix sockets need neither. The message names the host, never the URL (it holds the password).
 */
export function plaintextProblem(url: string): string | undefined {
  const target = reach(url);
  if (!target) return 'the database URL cannot be read as a postgres:// URL';
  const { host, params } = target;
  if (host === '' || host.startsWith('/') || isLoopbackHost(host)) return undefined;
  const sslmode = params.get('sslmode');
  if (sslmode === 'verify-full' || sslmode === 'disable') return undefined;
  const how =
    sslmode === null
      ? 'in plaintext'
      : `with sslmode=${sslmode.slice(0, 20)}, which does not verify the server`;
  return (
    `the database URL reaches ${host} ${how}: use sslmode=verify-full&sslrootcert=<CA file> ` +
    '(or sslmode=disable, to choose plaintext)'
  );
}

/** A knex pool on one service's database; refuses a URL that would go in the clear by default. */
export function createKnex(options: DbOptions): Knex {
  const problem = plaintextProblem(options.url);
  if (problem) throw new Error(problem);
  return knex({
    client: 'pg',
    connection: {
      connectionString: options.url,
      application_name: options.applicationName,
      statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout:
        options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}

/**
 * Replaces the database name of a PostgreSQL URL, so each service gets its own database on one
 * server from a single DATABASE_URL.
 */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** CREATE DATABASE unless it exists; tolerant of a concurrent creator. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database "${database}"`);
      } catch (err) {
        // 42P04 duplicate_database, 23505 unique_violation: another process won the race.
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err;
      }
    }
  } finally {
    await client.end();
  }
}

/** True for a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === '23505';
}
