import type { Knex } from 'knex';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * A static migration source: names are the keys of the object, so they match whether the code
 * runs from .ts sources or a bundled .js file (directory loading records file names, which differ).
 */
export function staticMigrations(migrations: Record<string, Migration>): Knex.MigrationSource<string> {
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
export async function migrateLatest(db: Knex, migrations: Record<string, Migration>): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: staticMigrations(migrations) })) as [
    number,
    string[],
  ];
  return applied;
}
