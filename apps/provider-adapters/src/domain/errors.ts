import { defineErrors } from '@tolem/errors';

/**
 * Provider-adapters' error codes; each code keeps its kind forever. Codes thrown to gRPC callers
 * and reason codes of refused callbacks share this table, so a reason code is never invented
 * ad hoc.
 */
export const providerErrors = defineErrors({
  /** A request field is missing or malformed. */
  PROVIDER_INVALID_REQUEST: 'invalid',
  /** No stored callback has this id (never received, or deleted by the retention policy). */
  PROVIDER_CALLBACK_NOT_FOUND: 'not_found',
  /** No adapter is registered for this provider, or it does not offer this method. */
  PROVIDER_METHOD_UNSUPPORTED: 'precondition',
  /**
   * A live payment sent to a deployment whose provider URLs are sandboxes, or a test payment to a
   * live one (PROVIDER_ENVIRONMENT). details: livemode, environment.
   */
  PROVIDER_LIVEMODE_MISMATCH: 'precondition',
  /** The provider has no account (e.g. WebMoney purse) configured for the payment's currency. */
  PROVIDER_CURRENCY_UNSUPPORTED: 'invalid',
  /** Aggregators must name the sub-merchant (WebMoney LMI_SHOP_ID); the merchant has none. */
  PROVIDER_SHOP_ID_REQUIRED: 'precondition',
  /** The payer's phone (Keeper Mobile) is missing or not a phone number. */
  PROVIDER_PAYER_PHONE_INVALID: 'invalid',
  /** The same payment was started before with a different amount, currency or merchant. */
  PROVIDER_PAYMENT_CONFLICT: 'conflict',
  /** The payment is already settled at the provider; it cannot be started again. */
  PROVIDER_PAYMENT_ALREADY_FINAL: 'precondition',
  /** The provider does not offer this operation (e.g. refunds), or its adapter does not. */
  PROVIDER_OPERATION_UNSUPPORTED: 'precondition',
  /** The payment is not settled at the provider, so there is nothing to refund. */
  PROVIDER_PAYMENT_NOT_SETTLED: 'precondition',
  /** No provider transaction for this payment (never started, or at another provider). */
  PROVIDER_TRANSACTION_NOT_FOUND: 'not_found',
  /** The provider cannot take this amount (e.g. Paykassma takes whole kyat only). */
  PROVIDER_AMOUNT_UNSUPPORTED: 'invalid',
  /** The payer's input for the second step (Wavepay key1) is missing or malformed. */
  PROVIDER_PAYER_INPUT_INVALID: 'invalid',
  /** An idempotency key reused for a different request; details.field names the difference. */
  PROVIDER_IDEMPOTENCY_CONFLICT: 'conflict',
  /** The card binding to charge is unknown here or belongs to another merchant. */
  PROVIDER_BINDING_NOT_FOUND: 'not_found',
  /** The card binding exists but was not activated (IntellectMoney recurringState Error). */
  PROVIDER_BINDING_INACTIVE: 'precondition',
  /** The provider could not be reached or did not answer in time; safe to retry. */
  PROVIDER_UNAVAILABLE: 'unavailable',
  /** The provider answered something we cannot read; retry later, it is logged. */
  PROVIDER_BAD_RESPONSE: 'unavailable',
  /** The provider refused the request (its own `fail` answer); details carry no secrets. */
  PROVIDER_REQUEST_REFUSED: 'precondition',

  // Reason codes of outcomes that are not errors (FAILED, PENDING, MANUAL_REVIEW answers).
  /** The card issuer declined a charge; the decline code says soft or hard. */
  PROVIDER_CARD_DECLINED: 'declined',
  /** The payment failed or was cancelled at the provider. */
  PROVIDER_PAYMENT_FAILED: 'declined',
  /** Paykassma could not match the payer's transaction number yet (activation `fail`). */
  PROVIDER_ACTIVATION_FAILED: 'declined',
  /** Paykassma created a possible transaction: a person must match it (never dropped). */
  PROVIDER_POSSIBLE_TRANSACTION: 'precondition',
  /** A charge was sent but its result is not known yet (crash or timeout mid-call). */
  PROVIDER_CHARGE_UNCONFIRMED: 'unavailable',
  /**
   * A charge whose create got no answer, and whose operation IntellectMoney still did not list
   * ten minutes later: it was never created, so no card was charged.
   */
  PROVIDER_CHARGE_NOT_CREATED: 'declined',

  // Reason codes of refused callbacks (outcome REJECTED); also usable as errors.
  /** The body could not be parsed or lacks required fields. */
  PROVIDER_MALFORMED_CALLBACK: 'invalid',
  /** Missing or wrong signature (LMI_HASH / LMI_HASH2, hash, signature, X-Tolem-Signature). */
  PROVIDER_SIGNATURE_INVALID: 'unauthenticated',
  /** A signed callback whose timestamp is outside the allowed window (stale or replayed). */
  PROVIDER_TIMESTAMP_SKEW: 'unauthenticated',
  /** A signature scheme we refuse to accept (WebMoney SIGN unless explicitly allowed). */
  PROVIDER_SIGNATURE_UNSUPPORTED: 'unauthenticated',
  /** The callback names an order we do not have. */
  PROVIDER_UNKNOWN_ORDER: 'not_found',
  /** The amount string differs from the one we sent. */
  PROVIDER_AMOUNT_MISMATCH: 'invalid',
  /** The payer's purse is of another currency than ours. */
  PROVIDER_CURRENCY_MISMATCH: 'invalid',
  /** The money went to another purse than the order's. */
  PROVIDER_PURSE_MISMATCH: 'invalid',
  /** The callback names another shop or account than ours (IntellectMoney eshopId). */
  PROVIDER_ACCOUNT_MISMATCH: 'invalid',
  /** Test-mode callback in real mode, or the reverse. */
  PROVIDER_MODE_MISMATCH: 'invalid',
  /** Pre-request for an order that is already paid. */
  PROVIDER_ORDER_ALREADY_PAID: 'precondition',
  /** A second, different provider transfer for an order already paid: needs a human (refund). */
  PROVIDER_DUPLICATE_PAYMENT: 'conflict',
  /**
   * An authorization hold (WebMoney LMI_HOLD): the money is only reserved and returns to the payer
   * unless taken. Tolem never asks for holds, so it refuses them and the hold lapses.
   */
  PROVIDER_HOLD_NOT_SUPPORTED: 'precondition',
  /**
   * Reason of a SUCCEEDED payer-input answer without an amount: the provider took the money but
   * did not say how much (Paykassma activation `ok` without `deposit_amount`). Nothing may be
   * credited on it; the amount must come from elsewhere (the postback) or from a person.
   */
  PROVIDER_AMOUNT_NOT_REPORTED: 'precondition',
});

export type ProviderErrorCode = keyof typeof providerErrors.table;
