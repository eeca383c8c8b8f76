import type { Migration } from '@tolem/db-kit';

import * as createQrCodes from './20261123010000_create_qr_codes';
import * as createProcessedEvents from './20261207000000_create_processed_events';
import * as qrCodesAsProduct from './20261207000100_qr_codes_as_product';
import * as qrCodesClosed from './20261209000000_qr_codes_closed';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261123010000_create_qr_codes': createQrCodes,
  '20261207000000_create_processed_events': createProcessedEvents,
  '20261207000100_qr_codes_as_product': qrCodesAsProduct,
  '20261209000000_qr_codes_closed': qrCodesClosed,
};
