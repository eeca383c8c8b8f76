import { defineErrors } from '@tolem/errors';

/** The WebMoney sandbox's error codes; each keeps its kind forever. */
export const webmoneyErrors = defineErrors({
  /** A payment form field is missing or malformed; details.field names it. */
  WEBMONEY_FORM_INVALID: 'invalid',
  /** SANDBOX_WEBMONEY_X20_SECRET is set and LMI_PAYMENTFORM_SIGN is missing or wrong. */
  WEBMONEY_FORM_SIGNATURE_INVALID: 'forbidden',
  WEBMONEY_INVOICE_NOT_FOUND: 'not_found',
  /** The payee already received this LMI_PAYMENT_NO; WebMoney refuses a second payment. */
  WEBMONEY_PAYMENT_NO_ALREADY_PAID: 'conflict',
  /** Another payment of the same invoice is running right now. */
  WEBMONEY_INVOICE_BUSY: 'conflict',
  /** Payer input (purse, WMID, phone) is malformed or the purse type differs from the payee's. */
  WEBMONEY_PAYER_INVALID: 'invalid',
  /** No Keeper Mobile code was sent for this invoice and phone (or it ran out of attempts). */
  WEBMONEY_SMS_CODE_NOT_SENT: 'precondition',
  WEBMONEY_SMS_CODE_WRONG: 'forbidden',
  /** Resend asked for an invoice that has no notification yet. */
  WEBMONEY_NOTHING_TO_RESEND: 'precondition',
  WEBMONEY_REQUEST_INVALID: 'invalid',
});
