import type { Migration } from '@tolem/db-kit';

import * as createIdempotencyKeys from './20261207030000_create_idempotency_keys';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261207030000_create_idempotency_keys': createIdempotencyKeys,
};
