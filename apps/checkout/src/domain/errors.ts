import { defineErrors } from '@tolem/errors';

/** Checkout's error codes; each code keeps its kind forever (clients branch on codes). */
export const checkoutErrors = defineErrors({
  /** A field of a payment request is missing or malformed; details.field names it. */
  PAYMENT_INVALID_REQUEST: 'invalid',
  /** A field of a merchant request is missing or malformed; details.field names it. */
  MERCHANT_INVALID_REQUEST: 'invalid',
  /** Every retried create must carry a key, so a retry can never create twice. */
  IDEMPOTENCY_KEY_REQUIRED: 'invalid',
  /** The key was used before with a different request; details.field names the first difference. */
  IDEMPOTENCY_KEY_REUSED: 'conflict',
  MERCHANT_NOT_FOUND: 'not_found',
  /** Also returned for another merchant's payment, so ids of others cannot be probed. */
  PAYMENT_NOT_FOUND: 'not_found',
  /** Only created or pending payments that have not expired can be started. */
  PAYMENT_NOT_PAYABLE: 'precondition',
  PAYMENT_METHOD_NOT_ENABLED: 'precondition',
  /**
   * The method cannot take the payment's currency (domain/method-capabilities.ts); refused
   * before any provider is called. details: method, currency.
   */
  PAYMENT_METHOD_UNAVAILABLE: 'precondition',
  /**
   * Create: none of the merchant's enabled methods takes the payment's currency, so the payer
   * could never pay it; refused at create rather than on the hosted page. details: field, currency.
   */
  PAYMENT_CURRENCY_NOT_ACCEPTED: 'invalid',
  /**
   * SubmitPayerInput for a payment that is not waiting for payer input: not started, or started
   * with a method that has no second payer step. details: status, method.
   */
  PAYMENT_INPUT_NOT_EXPECTED: 'precondition',
  /** Only created or pending payments can be canceled. details: status. */
  PAYMENT_NOT_CANCELABLE: 'precondition',
  /**
   * The payer used up the tries of an attempt-limited method (Wavepay transaction numbers, WM
   * Keeper Mobile phones) for this payment; other methods stay open. details: method.
   */
  PAYMENT_METHOD_LOCKED: 'precondition',
  /**
   * CreateQrPayment: expires_at is missing, or less than 1 minute or more than 30 days ahead.
   * details: field (expires_at), min_seconds, max_seconds.
   */
  PAYMENT_EXPIRES_AT_INVALID: 'invalid',
  /** Terminal states are final: a later different outcome changes nothing. */
  PAYMENT_ALREADY_FINAL: 'precondition',
  /** A transition the state machine never allows (e.g. pending -> created). */
  PAYMENT_INVALID_TRANSITION: 'precondition',
  /** Lost the optimistic lock too many times in a row; safe to retry. */
  PAYMENT_CONCURRENT_UPDATE: 'aborted',
  /** Unknown or malformed API key. */
  AUTH_INVALID_API_KEY: 'unauthenticated',
  AUTH_API_KEY_REVOKED: 'unauthenticated',
  CASE_NOT_FOUND: 'not_found',
  /** A case resolves once: applied money cannot be returned, returned money cannot be applied. */
  CASE_ALREADY_RESOLVED: 'precondition',
  /** A case command without what it needs (operator, return reference); details.field. */
  CASE_INVALID_REQUEST: 'invalid',
  /** No unexplained difference is kept for this settled transaction. */
  RECONCILE_DIFFERENCE_NOT_FOUND: 'not_found',
  /** An acknowledgement without what it needs (transaction id, operator); details.field. */
  RECONCILE_INVALID_REQUEST: 'invalid',
  /** Also returned for another merchant's refund, so ids of others cannot be probed. */
  REFUND_NOT_FOUND: 'not_found',
  /** A field of a refund request is missing or malformed; details.field names it. */
  REFUND_INVALID_REQUEST: 'invalid',
  /** Only succeeded payments are refunded. details: status. */
  PAYMENT_NOT_REFUNDABLE: 'precondition',
  /**
   * The payment's pending and succeeded refunds would pass what was paid (or it is fully
   * refunded): nothing is written. details: refundable (minor units left).
   */
  REFUND_EXCEEDS_PAYMENT: 'precondition',
  /**
   * An operator command for a refund that is not waiting in the payout queue, or that the
   * payout queue already ended otherwise. details: status.
   */
  REFUND_NOT_IN_PAYOUT_QUEUE: 'precondition',
  /** A rolled key past its expiry; like a revoked key, UNAUTHENTICATED. */
  AUTH_API_KEY_EXPIRED: 'unauthenticated',
  /** No such key for this merchant (another merchant's key is not found either). */
  API_KEY_NOT_FOUND: 'not_found',
  /** An API key command with a bad field (mode, name, expiry); details.field names it. */
  API_KEY_INVALID_REQUEST: 'invalid',
  /** Only a usable key that was not rolled before can be rolled. */
  API_KEY_NOT_ACTIVE: 'precondition',
  /** A `POST /pay` form without a signature; nothing is stored. */
  FORM_SIGNATURE_MISSING: 'unauthenticated',
  /** The form's signature matches none of the merchant's valid form secrets; nothing is stored. */
  FORM_SIGNATURE_INVALID: 'unauthenticated',
  /** A form field is unknown, missing or malformed; details.field names it. */
  FORM_INVALID_REQUEST: 'invalid',
  /** A peer this step needs (the ledger) is unreachable; safe to retry. */
  CHECKOUT_UPSTREAM_UNAVAILABLE: 'unavailable',
  /** A peer service answered with a message missing what its contract promises. */
  CHECKOUT_UPSTREAM_INVALID_RESPONSE: 'internal',
});

export type CheckoutErrorCode = keyof typeof checkoutErrors.table;
