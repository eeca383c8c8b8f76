import { defineErrors } from '@tolem/errors';

/**
 * Provider-adapters' error codes; each code keeps its kind forever. Codes thrown to gRPC callers
 * and reason codes of refused callbacks share this table, so a reason code is never invented
 * ad hoc.
 */
export const providerErrors = defineErrors({
  /** A request field is missing or malformed. */
  PROVIDER_INVALID_REQUEST: 'invalid',
  /** No adapter is registered for this provider, or it does not offer this method. */
  PROVIDER_METHOD_UNSUPPORTED: 'precondition',
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

  // Reason codes of refused callbacks (outcome REJECTED); also usable as errors.
  /** The body could not be parsed or lacks required fields. */
  PROVIDER_MALFORMED_CALLBACK: 'invalid',
  /** Missing or wrong signature (LMI_HASH / LMI_HASH2). */
  PROVIDER_SIGNATURE_INVALID: 'unauthenticated',
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
  /** Test-mode callback in real mode, or the reverse. */
  PROVIDER_MODE_MISMATCH: 'invalid',
  /** Pre-request for an order that is already paid. */
  PROVIDER_ORDER_ALREADY_PAID: 'precondition',
  /** A second, different provider transfer for an order already paid: needs a human (refund). */
  PROVIDER_DUPLICATE_PAYMENT: 'conflict',
});

export type ProviderErrorCode = keyof typeof providerErrors.table;
