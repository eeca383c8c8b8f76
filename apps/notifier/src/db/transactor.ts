import type { Knex } from '@tolem/db-kit';

import type { Transactor } from '../domain/ports';
import { createDeliveryQueries } from './deliveries.queries';
import { createDeliveriesRepo } from './deliveries.repo';
import { createEndpointEventsRepo } from './endpoint-events.repo';
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
          endpointEvents: createEndpointEventsRepo(trx),
          deliveryQueries: createDeliveryQueries(trx),
        }),
      ),
  };
}
