import { runMigrateCommand } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadConfig } from '../config';

/** `nx run checkout:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
runMigrateCommand('checkout', () => loadConfig().databaseUrl.reveal(), migrations);
