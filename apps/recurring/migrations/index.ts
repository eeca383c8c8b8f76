import type { Migration } from '@tolem/db-kit';

import * as createCardBindings from './20261123000000_create_card_bindings';
import * as scheduledOperations from './20261206000000_scheduled_operations';
import * as charges from './20261206000100_charges';
import * as receipts from './20261206000200_receipts';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261123000000_create_card_bindings': createCardBindings,
  '20261206000000_scheduled_operations': scheduledOperations,
  '20261206000200_receipts': receipts,
  '20261206000100_charges': charges,
};
