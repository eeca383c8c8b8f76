import { defineErrors } from '@tolem/errors';

/** The IntellectMoney sandbox's error codes; each keeps its kind forever. */
export const intellectmoneyErrors = defineErrors({
  /** A payment form field is missing or malformed; details.field names it. */
  INTELLECTMONEY_FORM_INVALID: 'invalid',
  /** The form `hash` does not match (wrong key, edited amount, or recurringType added). */
  INTELLECTMONEY_FORM_HASH_INVALID: 'forbidden',
  /** The form names another shop than the sandbox's SANDBOX_INTELLECTMONEY_ESHOP_ID. */
  INTELLECTMONEY_ESHOP_UNKNOWN: 'forbidden',
  /** This orderId already has an invoice with other terms, or a paid one. */
  INTELLECTMONEY_ORDER_CONFLICT: 'conflict',
  INTELLECTMONEY_INVOICE_NOT_FOUND: 'not_found',
  /** The invoice is already paid, held or cancelled. */
  INTELLECTMONEY_INVOICE_CLOSED: 'precondition',
  /** Card input is malformed; the message never repeats the card number. */
  INTELLECTMONEY_CARD_INVALID: 'invalid',
  INTELLECTMONEY_BINDING_NOT_FOUND: 'not_found',
  INTELLECTMONEY_OPERATION_NOT_FOUND: 'not_found',
  /** Resend asked for a notification that was never sent. */
  INTELLECTMONEY_NOTHING_TO_RESEND: 'precondition',
  INTELLECTMONEY_REQUEST_INVALID: 'invalid',
});
