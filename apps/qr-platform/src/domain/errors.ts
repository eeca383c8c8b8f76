import { defineErrors } from '@tolem/errors';

/**
 * qr-platform's error codes; each keeps its kind forever. Every `invalid` error names the request
 * field in `details.field`. Idempotency uses the shared IDEMPOTENCY_KEY_REQUIRED / _REUSED codes.
 */
export const qrErrors = defineErrors({
  /** A required field is missing or has an unknown value (kind unspecified, empty id). */
  QR_INVALID_REQUEST: 'invalid',
  /** A dynamic code fixes the amount, so it needs one. */
  QR_AMOUNT_REQUIRED: 'invalid',
  /** A static code lets the payer enter the amount, so it must not carry one. */
  QR_AMOUNT_NOT_ALLOWED: 'invalid',
  /** ELQR carries KGS only (ID 53 = 417). */
  QR_CURRENCY_UNSUPPORTED: 'invalid',
  /** A value longer than its ELQR element allows (`details.max_length`). */
  QR_FIELD_TOO_LONG: 'invalid',
  /** Characters a QR payload cannot carry: control characters, or astral ones (emoji). */
  QR_FIELD_INVALID_CHARACTERS: 'invalid',
  /** A static code does not expire (expires_at is for dynamic codes). */
  QR_EXPIRES_AT_NOT_ALLOWED: 'invalid',
  /** A dynamic code's expires_at must be later than now. */
  QR_EXPIRES_AT_IN_PAST: 'invalid',
  /** A static code is not issued for one payment (payment_id is for dynamic codes). */
  QR_PAYMENT_ID_NOT_ALLOWED: 'invalid',
  /** The cash-desk label belongs to static codes only. */
  QR_LABEL_NOT_ALLOWED: 'invalid',
  /** Unknown, of another merchant, or (resolve) a payload Tolem did not issue exactly so. */
  QR_CODE_NOT_FOUND: 'not_found',
  /** A WatchQrPayment stream ended because the instance shuts down; watch again. */
  QR_WATCH_INTERRUPTED: 'unavailable',
});
