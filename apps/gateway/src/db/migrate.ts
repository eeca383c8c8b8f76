import { createKnex, migrateLatest } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadMigrateConfig } from '../config';

/** `nx run gateway:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
async function main(): Promise<void> {
  const config = loadMigrateConfig();
  const db = createKnex({ url: config.databaseUrl.reveal(), applicationName: 'gateway-migrate' });
  try {
    const applied = await migrateLatest(db, migrations);
    process.stdout.write(`gateway: applied ${applied.length} migration(s)\n`);
  } finally {
    await db.destroy();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
