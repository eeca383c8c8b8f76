import { defineErrors } from '@tolem/errors';

/** The QR bank app's error codes; each keeps its kind forever. */
export const qrbankErrors = defineErrors({
  /** The link or payload is not ELQR: bad TLV, missing fields; details.field names the ID. */
  QRBANK_PAYLOAD_INVALID: 'invalid',
  /** The ID 63 checksum does not match the payload (a corrupted or edited code). */
  QRBANK_CHECKSUM_INVALID: 'invalid',
  /** A dynamic code this bank already paid. */
  QRBANK_ALREADY_PAID: 'conflict',
  QRBANK_AMOUNT_INVALID: 'invalid',
  QRBANK_PAYMENT_NOT_FOUND: 'not_found',
  QRBANK_REQUEST_INVALID: 'invalid',
});
