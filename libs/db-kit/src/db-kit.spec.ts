import { describe, expect, it } from 'vitest';

import { createKnex, databaseUrlFor, isUniqueViolation, staticMigrations } from './index';

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
