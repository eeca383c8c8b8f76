import type { Knex } from 'knex';

import { createKnex } from './knex';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * A static migration source: names are the keys of the object, so they match whether the code
 * runs from .ts sources or a bundled .js file (directory loading records file names, which differ).
 */
export function staticMigrations(
  migrations: Record<string, Migration>,
): Knex.MigrationSource<string> {
  const names = Object.keys(migrations).sort();
  return {
    getMigrations: async () => names,
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const migration = migrations[name];
      if (!migration) throw new Error(`unknown migration ${name}`);
      return migration;
    },
  };
}

/** Applies pending migrations; safe to run from several processes (knex takes a lock). */
export async function migrateLatest(
  db: Knex,
  migrations: Record<string, Migration>,
): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({
    migrationSource: staticMigrations(migrations),
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
    const db = createKnex({ url: databaseUrl(), applicationName: `${service}-migrate` });
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
