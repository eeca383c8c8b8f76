import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKnex, databaseUrlFor, ensureDatabase, type Knex, migrateLatest } from '../../src';

/** A new empty database (the global setup sets DATABASE_URL); @tolem/testing depends on db-kit. */
async function freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env['DATABASE_URL'];
  if (!server) throw new Error('DATABASE_URL must be set (the integration global setup sets it)');
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(server, name);
  return {
    url: databaseUrlFor(server, name),
    async drop() {
      const admin = createKnex({ url: databaseUrlFor(server, 'postgres'), poolMax: 1 });
      try {
        await admin.raw(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.destroy();
      }
    },
  };
}

const sqlstateOf = (err: unknown) => (err as { code?: string }).code;

describe('pool timeouts on real PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  const pools: Knex[] = [];
  const pool = (options: Omit<Parameters<typeof createKnex>[0], 'url'> = {}) => {
    const db = createKnex({ url, poolMax: 2, ...options });
    pools.push(db);
    return db;
  };
  const setting = async (db: Knex, name: string) =>
    ((await db.raw(`select current_setting('${name}') as value`)).rows[0] as { value: string })
      .value;

  beforeAll(async () => {
    ({ url, drop } = await freshDatabase('db_kit_timeouts'));
  });

  afterAll(async () => {
    await Promise.all(pools.map((db) => db.destroy()));
    await drop?.();
  });

  it("a service's session runs with a one-minute statement and idle-in-transaction timeout", async () => {
    const db = pool();
    expect(await setting(db, 'statement_timeout')).toBe('1min');
    expect(await setting(db, 'idle_in_transaction_session_timeout')).toBe('1min');
  });

  it('a statement running past the timeout is cancelled, and the pool goes on serving', async () => {
    const db = pool({ statementTimeoutMs: 200 });
    const err = await db.raw('select pg_sleep(2)').catch((e: unknown) => e);
    expect(sqlstateOf(err)).toBe('57014');
    expect((await db.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it("an operator tool's pool (0) leaves the statement to the server's own setting", async () => {
    const db = pool({ statementTimeoutMs: 0 });
    expect(await setting(db, 'statement_timeout')).toBe('0');
    await db.raw('select pg_sleep(0.3)');
  });

  it('a transaction left idle past the timeout is ended, its locks freed, and the pool recovers', async () => {
    const db = pool({ idleInTransactionTimeoutMs: 200 });
    await db.raw('create table held (id int primary key)');
    await db.raw('insert into held values (1)');
    const trx = await db.transaction();
    await trx.raw('select id from held where id = 1 for update');
    await new Promise((resolve) => setTimeout(resolve, 700));
    // Another session can take the row lock the abandoned transaction held.
    const other = pool({ statementTimeoutMs: 1_000 });
    await other.raw('select id from held where id = 1 for update');
    const err = await trx.raw('select 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await trx.rollback().catch(() => undefined);
    expect((await db.raw('select count(*)::int as n from held')).rows).toEqual([{ n: 1 }]);
  });

  it("a migration slower than the pool's statement timeout still applies", async () => {
    const db = pool({ statementTimeoutMs: 200 });
    const applied = await migrateLatest(db, {
      '0001_slow': {
        up: async (knex) => {
          await knex.raw('select pg_sleep(0.5)');
          await knex.schema.createTable('slow_built', (t) => t.integer('id'));
        },
        down: async (knex) => knex.schema.dropTable('slow_built'),
      },
    });
    expect(applied).toEqual(['0001_slow']);
    expect(await db.schema.hasTable('slow_built')).toBe(true);
    // The migration's setting was its transaction's alone.
    expect(await setting(db, 'statement_timeout')).toBe('200ms');
  });

  it('a migration waiting on a lock another session holds gives up instead of queueing writes behind it', async () => {
    // A database of its own: knex refuses a migration list that lacks one applied before.
    const own = await freshDatabase('db_kit_lock_timeout');
    const db = createKnex({ url: own.url, poolMax: 2 });
    await db.raw('create table busy (id int primary key)');
    const reader = await db.transaction();
    await reader.raw('select * from busy');
    try {
      const err = await migrateLatest(
        db,
        {
          '0001_alter_busy': {
            up: async (knex) => knex.raw('alter table busy add column note text'),
            down: async () => undefined,
          },
        },
        { lockTimeoutMs: 300 },
      ).catch((e: unknown) => e);
      expect(sqlstateOf(err)).toBe('55P03');
      expect(await db.schema.hasColumn('busy', 'note')).toBe(false);
    } finally {
      await reader.rollback();
      await db.destroy();
      await own.drop();
    }
  });
});
