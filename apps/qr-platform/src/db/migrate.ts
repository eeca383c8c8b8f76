import { createKnex, migrateLatest } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadConfig } from '../config';

/** `nx run qr-platform:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = createKnex({
    url: config.databaseUrl.reveal(),
    applicationName: 'qr-platform-migrate',
  });
  try {
    const applied = await migrateLatest(db, migrations);
    process.stdout.write(`qr-platform: applied ${applied.length} migration(s)\n`);
  } finally {
    await db.destroy();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
