import type { Migration } from '@tolem/db-kit';

import * as createAccountsAndBalances from './20261123010000_create_accounts_and_balances';
import * as createJournal from './20261123010100_create_journal';
import * as createOutboxAndEventSequences from './20261123010200_create_outbox_and_event_sequences';
import * as shardsHoldsPaymentsSettings from './20261123020000_shards_holds_payments_settings';
import * as leanWritePath from './20261123030000_lean_write_path';
import * as balanceRowPerAccount from './20261123040000_balance_row_per_account';
import * as paymentStatusFacts from './20261206120000_payment_status_facts';
import * as unappliedFunds from './20261206140000_unapplied_funds';
import * as sequenceVarint from './20261206160000_sequence_varint';
import * as refundsPayable from './20261207020000_refunds_payable';
import * as accountLivemode from './20261207040000_account_livemode';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261123010000_create_accounts_and_balances': createAccountsAndBalances,
  '20261123010100_create_journal': createJournal,
  '20261123010200_create_outbox_and_event_sequences': createOutboxAndEventSequences,
  '20261123020000_shards_holds_payments_settings': shardsHoldsPaymentsSettings,
  '20261123030000_lean_write_path': leanWritePath,
  '20261123040000_balance_row_per_account': balanceRowPerAccount,
  '20261206120000_payment_status_facts': paymentStatusFacts,
  '20261206140000_unapplied_funds': unappliedFunds,
  '20261206160000_sequence_varint': sequenceVarint,
  '20261207020000_refunds_payable': refundsPayable,
  '20261207040000_account_livemode': accountLivemode,
};
