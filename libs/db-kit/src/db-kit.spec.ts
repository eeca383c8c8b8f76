import { describe, expect, it } from 'vitest';

import { databaseUrlFor, isUniqueViolation, staticMigrations } from './index';

describe('db-kit', () => {
  it('points a server URL at another database, keeping credentials and options', () => {
    expect(databaseUrlFor('postgres://u:p@127.0.0.1:5433/postgres?sslmode=disable', 'tolem_ledger')).toBe(
      'postgres://u:p@127.0.0.1:5433/tolem_ledger?sslmode=disable',
    );
  });

  it('lists static migrations sorted by name and resolves them by name', async () => {
    const noop = { up: async () => undefined, down: async () => undefined };
    const source = staticMigrations({ '20260102_b': noop, '20260101_a': noop });
    expect(await source.getMigrations([])).toEqual(['20260101_a', '20260102_b']);
    expect(source.getMigrationName('20260101_a')).toBe('20260101_a');
    expect(await source.getMigration('20260102_b')).toBe(noop);
    await expect(source.getMigration('missing')).rejects.toThrow('unknown migration missing');
  });

  it('recognises unique violations by SQLSTATE', () => {
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: '23503' })).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
