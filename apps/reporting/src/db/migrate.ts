import { createKnex, migrateLatest } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadDbConfig } from '../config';

/** `nx run reporting:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
async function main(): Promise<void> {
  const config = loadDbConfig();
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'reporting-migrate' });
  try {
    const applied = await migrateLatest(db, migrations);
    process.stdout.write(`reporting: applied ${applied.length} migration(s)\n`);
  } finally {
    await db.destroy();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
