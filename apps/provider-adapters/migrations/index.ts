import type { Migration } from '@tolem/db-kit';

import * as createProviderTransactions from './20261123100000_create_provider_transactions';
import * as createProviderCallbacks from './20261123100100_create_provider_callbacks';
import * as extendProviderTransactions from './20261123200000_extend_provider_transactions';
import * as providerExtraTransfers from './20261206170000_provider_extra_transfers';
import * as settledTransactionsIndex from './20261206170000_settled_transactions_index';
import * as unregisteredQrVerdict from './20261206210000_unregistered_qr_verdict';
import * as extraTransfersListing from './20261212000000_extra_transfers_listing';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261123100000_create_provider_transactions': createProviderTransactions,
  '20261123100100_create_provider_callbacks': createProviderCallbacks,
  '20261123200000_extend_provider_transactions': extendProviderTransactions,
  '20261206170000_provider_extra_transfers': providerExtraTransfers,
  '20261206170000_settled_transactions_index': settledTransactionsIndex,
  '20261206210000_unregistered_qr_verdict': unregisteredQrVerdict,
  '20261212000000_extra_transfers_listing': extraTransfersListing,
};
