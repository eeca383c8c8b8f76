import { runMigrateCommand } from '@tolem/db-kit';

import { migrations } from '../../migrations';
import { loadDbConfig } from '../config';

/** `nx run qr-platform:migrate`: applies pending migrations and exits (the Kubernetes migrate Job). */
runMigrateCommand('qr-platform', () => loadDbConfig().databaseUrl.reveal(), migrations);
