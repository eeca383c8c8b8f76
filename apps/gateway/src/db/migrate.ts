import { runMigrateCommand } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadMigrateConfig } from '../config';

/** `nx run gateway:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
runMigrateCommand('gateway', () => loadMigrateConfig().databaseUrl.reveal(), migrations);
