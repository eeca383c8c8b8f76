import type { Knex } from '@tolem/db-kit';

import type { Transactor } from '../domain/ports';
import { createDeliveriesRepo } from './deliveries.repo';
import { createEndpointsRepo } from './endpoints.repo';
import { createEventsRepo } from './events.repo';

export function createTransactor(db: Knex): Transactor {
  return {
    transact: (work) =>
      db.transaction((trx) =>
        work({
          endpoints: createEndpointsRepo(trx),
          events: createEventsRepo(trx),
          deliveries: createDeliveriesRepo(trx),
        }),
      ),
  };
}
