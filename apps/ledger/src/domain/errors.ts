import { defineErrors } from '@tolem/errors';

/** The ledger's error codes; each code keeps its kind forever (clients branch on codes). */
export const ledgerErrors = defineErrors({
  /** A required field is missing or malformed; details.field names it (proto field name). */
  LEDGER_INVALID_REQUEST: 'invalid',
  /** PostTransaction postings that do not sum to zero. details.field = postings. */
  LEDGER_POSTINGS_UNBALANCED: 'invalid',
  /** A fee plan that cannot be applied (percent out of range, duplicate method or currency). */
  LEDGER_INVALID_FEE_PLAN: 'invalid',
  /** The idempotency key was used before with different content; details.field names the first difference. */
  LEDGER_IDEMPOTENCY_CONFLICT: 'conflict',
  /** The payment was already posted (or held) under another idempotency key: it is never credited twice. */
  LEDGER_PAYMENT_ALREADY_POSTED: 'conflict',
  /** The transaction was already reversed (a transaction is reversed at most once). */
  LEDGER_ALREADY_REVERSED: 'conflict',
  /** No such payment in the ledger (never posted or held). */
  LEDGER_PAYMENT_NOT_FOUND: 'not_found',
  /** No such account; details.field names the request field. */
  LEDGER_ACCOUNT_NOT_FOUND: 'not_found',
  /** No money is held for this case (HoldUnappliedFunds never ran for it). */
  LEDGER_CASE_NOT_FOUND: 'not_found',
  /** The case's money was already applied or returned; a case resolves once. */
  LEDGER_CASE_ALREADY_RESOLVED: 'conflict',
  /** The payment cannot take the case's money (held, voided, reversed): return it instead. */
  LEDGER_CASE_NOT_APPLICABLE: 'precondition',
  /** No such transaction. */
  LEDGER_TRANSACTION_NOT_FOUND: 'not_found',
  /** Applying the postings would push an account's running total past 64 bits. */
  LEDGER_BALANCE_OVERFLOW: 'precondition',
  /** Applying the postings would take a merchant's available balance below zero. */
  LEDGER_INSUFFICIENT_FUNDS: 'precondition',
  /** The refunds of a payment would exceed its gross. */
  LEDGER_REFUND_EXCEEDS_PAYMENT: 'precondition',
  /** The payment is not in a state this operation applies to (e.g. a refund of a held payment). */
  LEDGER_PAYMENT_NOT_REFUNDABLE: 'precondition',
  /** ResolveRefund named a refund the ledger never started (RefundPayment). */
  LEDGER_REFUND_NOT_FOUND: 'not_found',
  /** The hold was already captured, voided or expired. */
  LEDGER_HOLD_NOT_PENDING: 'precondition',
  /** The hold's timeout passed; the ledger voids it. */
  LEDGER_HOLD_EXPIRED: 'precondition',
  /** The capture is larger than the held amount. */
  LEDGER_HOLD_AMOUNT_EXCEEDED: 'precondition',
  /** The transaction's kind cannot be reversed (holds, voids, reversals) or its payment moved on. */
  LEDGER_NOT_REVERSIBLE: 'precondition',
  /** PostTransaction names a merchant account: merchant money moves only through the typed RPCs. */
  LEDGER_ACCOUNT_NOT_ALLOWED: 'precondition',
  /** A transaction built by the ledger whose postings do not sum to zero: a bug, never written. */
  LEDGER_UNBALANCED_TRANSACTION: 'internal',
});
