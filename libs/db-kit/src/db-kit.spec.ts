import { describe, expect, it } from 'vitest';

import {
  createKnex,
  databaseUrlFor,
  isUniqueViolation,
  plaintextProblem,
  staticMigrations,
} from './index';

describe('db-kit', () => {
  it('points a server URL at another database, keeping credentials and options', () => {
    expect(
      databaseUrlFor('postgres://u:p@127.0.0.1:5433/postgres?sslmode=disable', 'tolem_ledger'),
    ).toBe('postgres://u:p@127.0.0.1:5433/tolem_ledger?sslmode=disable');
  });

  it('lists static migrations sorted by name and resolves them by name', async () => {
    const noop = { up: async () => undefined, down: async () => undefined };
    const source = staticMigrations({ '20260102_b': noop, '20260101_a': noop });
    expect(await source.getMigrations([])).toEqual(['20260101_a', '20260102_b']);
    expect(source.getMigrationName('20260101_a')).toBe('20260101_a');
    expect(await source.getMigration('20260102_b')).toEqual({
      up: expect.any(Function),
      down: expect.any(Function),
    });
    await expect(source.getMigration('missing')).rejects.toThrow('unknown migration missing');
  });

  it('keeps TCP keepalive on, so a connection to a vanished server is found dead', async () => {
    const db = createKnex({ url: 'postgres://u@127.0.0.1:1/none' });
    try {
      expect(db.client.config.connection).toMatchObject({
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
    } finally {
      await db.destroy();
    }
  });

  it('recognises unique violations by SQLSTATE', () => {
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: '23503' })).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});

describe('plaintextProblem', () => {
  it.each([
    'postgres://u:p@127.0.0.1:5432/db',
    'postgres://u:p@localhost/db',
    'postgres://u:p@[::1]:5432/db',
    'postgres://u:p@/db?host=/var/run/postgresql',
    'postgres://u:p@/db',
    'socket:/var/run/postgresql?db=tolem',
    'postgres://u:p@db.internal:5432/db?sslmode=verify-full&sslrootcert=/ca.crt',
    'postgres://u:p@db.internal:5432/db?sslmode=verify-full',
    'postgres://u:p@db.internal:5432/db?sslmode=disable',
    'postgres://u:p@db.internal/db?host=127.0.0.1',
  ])('accepts %s: loopback, a socket, verify-full or an explicit disable', (url) => {
    expect(plaintextProblem(url)).toBeUndefined();
  });

  it('refuses another machine without sslmode, naming the host and never the password', () => {
    const problem = plaintextProblem('postgres://tolem:s3cret@db.internal:5432/tolem_ledger');
    expect(problem).toBe(
      'the database URL reaches db.internal in plaintext: use sslmode=verify-full&sslrootcert=<CA file> (or sslmode=disable, to choose plaintext)',
    );
    expect(() => createKnex({ url: 'postgres://tolem:s3cret@10.1.2.3/x' })).toThrow(
      /reaches 10\.1\.2\.3 in plaintext/,
    );
    expect(() => createKnex({ url: 'postgres://tolem:s3cret@10.1.2.3/x' })).not.toThrow(/s3cret/);
  });

  it('reads the host as node-postgres does: a host parameter wins over the authority', () => {
    expect(plaintextProblem('postgres://u:p@localhost/db?host=db.remote.example')).toMatch(
      /^the database URL reaches db\.remote\.example in plaintext/,
    );
  });

  it.each(['require', 'prefer', 'verify-ca', 'no-verify', 'allow'])(
    'refuses sslmode=%s to another machine: it does not verify the server (or will not)',
    (mode) => {
      expect(plaintextProblem(`postgres://u:p@db.internal/db?sslmode=${mode}`)).toMatch(
        new RegExp(`reaches db\\.internal with sslmode=${mode}, which does not verify the server`),
      );
    },
  );

  it('refuses what it cannot read', () => {
    expect(plaintextProblem('not a url')).toBe(
      'the database URL cannot be read as a postgres:// URL',
    );
  });
});
