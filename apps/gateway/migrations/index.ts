import type { Migration } from '@tolem/db-kit';

import * as createIdempotencyKeys from './20261207030000_create_idempotency_keys';
import * as idempotencyExpiryBrin from './20261207040000_idempotency_expiry_brin';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261207030000_create_idempotency_keys': createIdempotencyKeys,
  '20261207040000_idempotency_expiry_brin': idempotencyExpiryBrin,
};
