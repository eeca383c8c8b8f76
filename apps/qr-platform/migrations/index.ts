import type { Migration } from '@tolem/db-kit';

import * as createQrCodes from './20261123010000_create_qr_codes';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261123010000_create_qr_codes': createQrCodes,
};
