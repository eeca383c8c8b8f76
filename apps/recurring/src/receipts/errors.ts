import { defineErrors } from '@tolem/errors';

/**
 * Receipt error codes; each keeps its kind forever. The content codes are also what a receipt
 * that cannot be fiscalized carries in last_error (`CODE: message`), so merchants see why.
 */
export const receiptErrors = defineErrors({
  /** 54-FZ: an online receipt is sent to the buyer, so an email or a phone is required. */
  RECEIPT_CUSTOMER_CONTACT_REQUIRED: 'invalid',
  RECEIPT_CUSTOMER_EMAIL_INVALID: 'invalid',
  /** Not 7..15 digits (E.164 without "+"). */
  RECEIPT_CUSTOMER_PHONE_INVALID: 'invalid',
  /** An INN has 10 (organisation) or 12 (person) digits. */
  RECEIPT_CUSTOMER_INN_INVALID: 'invalid',
  RECEIPT_CUSTOMER_NAME_INVALID: 'invalid',
  /** 1..100 items per receipt (YooKassa's limit). */
  RECEIPT_ITEMS_INVALID: 'invalid',
  /** Empty, or longer than 128 characters. */
  RECEIPT_ITEM_DESCRIPTION_INVALID: 'invalid',
  /** Not a positive decimal, or the line amount is not a whole number of kopecks per unit. */
  RECEIPT_ITEM_QUANTITY_INVALID: 'invalid',
  /** Zero or negative. */
  RECEIPT_ITEM_AMOUNT_INVALID: 'invalid',
  /** The merchant's vat_rate has no 54-FZ vat_code (e.g. `vat12`, or an unknown name). */
  RECEIPT_VAT_RATE_UNSUPPORTED: 'invalid',
  /** vat_code outside 1..12. */
  RECEIPT_VAT_CODE_INVALID: 'invalid',
  RECEIPT_PAYMENT_SUBJECT_INVALID: 'invalid',
  RECEIPT_PAYMENT_MODE_INVALID: 'invalid',
  /** tax_system_code outside 0..6 (0 = the register's default). */
  RECEIPT_TAX_SYSTEM_INVALID: 'invalid',
  /** A 54-FZ cash register fiscalizes roubles only. */
  RECEIPT_CURRENCY_UNSUPPORTED: 'invalid',
  /** The items do not add up to the cashless settlement, or currencies differ. */
  RECEIPT_SETTLEMENT_MISMATCH: 'invalid',
  /** No such receipt for this merchant. */
  RECEIPT_NOT_FOUND: 'not_found',
  /** A Get/List request is malformed (limit, cursor, status filter). */
  RECEIPT_INVALID_REQUEST: 'invalid',
});

export type ReceiptErrorCode = keyof typeof receiptErrors.table;
