import type { Knex } from 'knex';

import { createKnex } from './knex';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * How long a migration waits for a table lock. The old release keeps serving while the Job runs: a
 * migration queued behind a long transaction would hold every payment write queued behind itself,
 * so it gives up instead (the Job fails and is run again), never stalling traffic.
 */
export const MIGRATION_LOCK_TIMEOUT_MS = 10_000;

/**
 * A migration builds indexes and rewrites tables, which may take longer than a service's statement
 * timeout when it runs at start (MIGRATE_ON_START) on the service's pool: inside its transaction it
 * runs with none, and waits for a lock at most lockTimeoutMs.
 */
function migrationStep(
  step: (knex: Knex) => Promise<void>,
  lockTimeoutMs: number,
): (knex: Knex) => Promise<void> {
  return async (knex) => {
    if (knex.isTransaction) {
      await knex.raw('set local statement_timeout = 0');
      await knex.raw(`set local lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
    }
    await step(knex);
  };
}

/**
 * A static migration source: names are the keys of the object, so they match whether the code
 * runs from .ts sources or a bundled .js file (directory loading records file names, which differ).
 */
export function staticMigrations(
  migrations: Record<string, Migration>,
  lockTimeoutMs = MIGRATION_LOCK_TIMEOUT_MS,
): Knex.MigrationSource<string> {
  const names = Object.keys(migrations).sort();
  return {
    getMigrations: async () => names,
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const migration = migrations[name];
      if (!migration) throw new Error(`unknown migration ${name}`);
      return {
        up: migrationStep((knex) => migration.up(knex), lockTimeoutMs),
        down: migrationStep((knex) => migration.down(knex), lockTimeoutMs),
      };
    },
  };
}

/** Applies pending migrations; safe to run from several processes (knex takes a lock). */
export async function migrateLatest(
  db: Knex,
  migrations: Record<string, Migration>,
  options: { lockTimeoutMs?: number } = {},
): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({
    migrationSource: staticMigrations(migrations, options.lockTimeoutMs),
  })) as [number, string[]];
  return applied;
}

/**
 * A service's `migrate` command (the Kubernetes migrate Job): applies pending migrations, says how
 * many, closes the pool and exits; a failure goes to stderr with its stack and exits 1. The
 * database URL is read inside, so a configuration error is reported the same way.
 */
export function runMigrateCommand(
  service: string,
  databaseUrl: () => string,
  migrations: Record<string, Migration>,
): void {
  void (async () => {
    const db = createKnex({
      url: databaseUrl(),
      applicationName: `${service}-migrate`,
      statementTimeoutMs: 0,
    });
    try {
      const applied = await migrateLatest(db, migrations);
      process.stdout.write(`${service}: applied ${applied.length} migration(s)\n`);
    } finally {
      await db.destroy();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
