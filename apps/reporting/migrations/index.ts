import type { Migration } from '@tolem/db-kit';

import * as createProcessedEvents from './20261201000000_create_processed_events';
import * as createPaymentFacts from './20261201000100_create_payment_facts';
import * as createPaymentCases from './20261206090000_create_payment_cases';
import * as refundsHistoryMethod from './20261208000000_refunds_history_method';
import * as livemode from './20261210000000_livemode';
import * as dailyTotalsDeltas from './20261211000000_daily_totals_deltas';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261201000000_create_processed_events': createProcessedEvents,
  '20261201000100_create_payment_facts': createPaymentFacts,
  '20261206090000_create_payment_cases': createPaymentCases,
  '20261208000000_refunds_history_method': refundsHistoryMethod,
  '20261210000000_livemode': livemode,
  '20261211000000_daily_totals_deltas': dailyTotalsDeltas,
};
