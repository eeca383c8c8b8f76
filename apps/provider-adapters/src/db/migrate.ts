import { runMigrateCommand } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadMigrateConfig } from '../config';

/** `nx run provider-adapters:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
runMigrateCommand('provider-adapters', () => loadMigrateConfig().databaseUrl.reveal(), migrations);
