import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createLocalCa, ensurePostgres, type PostgresHandle } from '@tolem/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKnex, type Knex } from '../../src';

/**
 * A PostgreSQL of its own serving TLS, as a managed one does (CloudNativePG): the URL forms
 * deploy/README.md gives reach it encrypted and verified, and nothing weaker gets through.
 */
const dir = mkdtempSync(join(tmpdir(), 'db-kit-tls-'));
const ca = createLocalCa(join(dir, 'ca'), 'Tolem PostgreSQL test CA');
const server = ca.issue('postgres', { ips: ['127.0.0.1'] });
const rogue = createLocalCa(join(dir, 'rogue'), 'Somebody else');
let pg: PostgresHandle;
const pools: Knex[] = [];

beforeAll(async () => {
  pg = await ensurePostgres({
    stateDir: join(dir, 'state'),
    env: {},
    postgresTls: { certFile: join(server, 'tls.crt'), keyFile: join(server, 'tls.key') },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The session's TLS as the server sees it, through a pool on `url`; or the refusal. */
async function sessionOver(
  url: string,
): Promise<{ ssl: boolean; version: string | null } | string> {
  const db = createKnex({ url, poolMax: 1 });
  pools.push(db);
  try {
    const { rows } = await db.raw(
      'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()',
    );
    return rows[0] as { ssl: boolean; version: string | null };
  } catch (err) {
    return (err as Error).message;
  }
}

const at = (host: string, query: string) => {
  const url = new URL(pg.url);
  url.hostname = host;
  url.search = query;
  return url.toString();
};

describe('PostgreSQL over TLS', () => {
  it('connects encrypted with sslmode=verify-full and the CA as sslrootcert', async () => {
    const session = await sessionOver(
      at('127.0.0.1', `sslmode=verify-full&sslrootcert=${ca.dir}/ca.crt`),
    );
    expect(session).toEqual({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
  });

  it('refuses a server whose certificate the given CA did not sign', async () => {
    expect(
      await sessionOver(at('127.0.0.1', `sslmode=verify-full&sslrootcert=${rogue.dir}/ca.crt`)),
    ).toMatch(/self.signed certificate in certificate chain|unable to verify/);
  });

  it('refuses a server whose certificate does not name the host dialled', async () => {
    expect(
      await sessionOver(at('localhost', `sslmode=verify-full&sslrootcert=${ca.dir}/ca.crt`)),
    ).toMatch(/does not match certificate's altnames/);
  });

  it('goes in plaintext only when the URL says so', async () => {
    expect(await sessionOver(at('127.0.0.1', 'sslmode=disable'))).toEqual({
      ssl: false,
      version: null,
    });
  });
});
