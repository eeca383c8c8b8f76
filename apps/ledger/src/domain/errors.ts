import { defineErrors } from '@tolem/errors';

/** The ledger's error codes; each code keeps its kind forever (clients branch on codes). */
export const ledgerErrors = defineErrors({
  /** A required field is missing or malformed; details.field names it (proto field name). */
  LEDGER_INVALID_REQUEST: 'invalid',
  /** The fee is larger than the gross, which would make the merchant's credit negative. */
  LEDGER_FEE_EXCEEDS_GROSS: 'invalid',
  /** The idempotency key was used before with different content; details.field names the first difference. */
  LEDGER_IDEMPOTENCY_CONFLICT: 'conflict',
  /** The payment was already posted under another idempotency key: it is never credited twice. */
  LEDGER_PAYMENT_ALREADY_POSTED: 'conflict',
  /** Applying the postings would push an account's running total past 64 bits. */
  LEDGER_BALANCE_OVERFLOW: 'precondition',
  /** Applying the postings would take an account that may not go negative below zero. */
  LEDGER_INSUFFICIENT_FUNDS: 'precondition',
  /** A transaction whose postings do not sum to zero per currency: a bug, never written. */
  LEDGER_UNBALANCED_TRANSACTION: 'internal',
});
