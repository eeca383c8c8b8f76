import { runMigrateCommand } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadConfig } from '../config';

/** `nx run recurring:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
runMigrateCommand('recurring', () => loadConfig().databaseUrl.reveal(), migrations);
