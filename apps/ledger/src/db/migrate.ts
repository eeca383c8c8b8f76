import { runMigrateCommand } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadToolConfig } from '../config';

/** `nx run ledger:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
runMigrateCommand('ledger', () => loadToolConfig().databaseUrl.reveal(), migrations);
