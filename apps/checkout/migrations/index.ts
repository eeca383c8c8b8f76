import type { Migration } from '@tolem/db-kit';

import * as createMerchants from './20261123010000_create_merchants';
import * as createPayments from './20261123010100_create_payments';
import * as reviewBindingsLedgerFee from './20261124010000_review_bindings_ledger_fee';
import * as statusEventsCanceled from './20261206120000_status_events_canceled';
import * as feeFromLedgerOnly from './20261206130000_fee_from_ledger_only';
import * as paymentPageSecrets from './20261206150000_payment_page_secrets';
import * as payerAttemptLimits from './20261206150100_payer_attempt_limits';
import * as cases from './20261206160000_cases';
import * as reconciler from './20261206170000_reconciler';
import * as merchantOnboarding from './20261207010000_merchant_onboarding';
import * as merchantSecrets from './20261207010100_merchant_secrets';
import * as refunds from './20261207020000_refunds';
import * as recurringCharges from './20261208010000_recurring_charges';
import * as merchantSecretRotations from './20261209000000_merchant_secret_rotations';
import * as apiKeyIdempotency from './20261209000100_api_key_idempotency';
import * as paymentTraceParent from './20261209000200_payment_trace_parent';
import * as modeIsolation from './20261210000500_mode_isolation';
import * as ledgerRefusalBackoff from './20261211000000_ledger_refusal_backoff';
import * as caseHoldBackoff from './20261211000100_case_hold_backoff';
import * as refundSweepBackoff from './20261211000200_refund_sweep_backoff';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261123010000_create_merchants': createMerchants,
  '20261123010100_create_payments': createPayments,
  '20261124010000_review_bindings_ledger_fee': reviewBindingsLedgerFee,
  '20261206120000_status_events_canceled': statusEventsCanceled,
  '20261206130000_fee_from_ledger_only': feeFromLedgerOnly,
  '20261206150000_payment_page_secrets': paymentPageSecrets,
  '20261206150100_payer_attempt_limits': payerAttemptLimits,
  '20261206160000_cases': cases,
  '20261206170000_reconciler': reconciler,
  '20261207010000_merchant_onboarding': merchantOnboarding,
  '20261207010100_merchant_secrets': merchantSecrets,
  '20261207020000_refunds': refunds,
  '20261208010000_recurring_charges': recurringCharges,
  '20261209000000_merchant_secret_rotations': merchantSecretRotations,
  '20261209000100_api_key_idempotency': apiKeyIdempotency,
  '20261209000200_payment_trace_parent': paymentTraceParent,
  '20261210000500_mode_isolation': modeIsolation,
  '20261211000000_ledger_refusal_backoff': ledgerRefusalBackoff,
  '20261211000100_case_hold_backoff': caseHoldBackoff,
  '20261211000200_refund_sweep_backoff': refundSweepBackoff,
};
