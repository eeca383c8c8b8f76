import { defineErrors } from '@tolem/errors';

/** The QR bank app's error codes; each keeps its kind forever. */
export const qrbankErrors = defineErrors({
  /** The link or payload is not ELQR: bad TLV, missing fields; details.field names the ID. */
  QRBANK_PAYLOAD_INVALID: 'invalid',
  /** The ID 63 checksum does not match the payload (a corrupted or edited code). */
  QRBANK_CHECKSUM_INVALID: 'invalid',
  QRBANK_AMOUNT_INVALID: 'invalid',
  QRBANK_PAYMENT_NOT_FOUND: 'not_found',
  QRBANK_REQUEST_INVALID: 'invalid',
  /** Tolem answered 404 to the details lookup: it did not issue this code. */
  QRBANK_CODE_UNKNOWN: 'not_found',
  /** Tolem says the code is paid or expired (details.status). */
  QRBANK_CODE_NOT_PAYABLE: 'conflict',
  /** The decoded code and Tolem's details disagree (details.field). */
  QRBANK_DETAILS_MISMATCH: 'conflict',
  /** Tolem's details endpoint did not answer usably: the bank does not pay blind. */
  QRBANK_TOLEM_UNAVAILABLE: 'unavailable',
});
