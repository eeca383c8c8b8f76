import { defineErrors } from '@tolem/errors';

/** The Paykassma sandbox's error codes; each keeps its kind forever. */
export const paykassmaErrors = defineErrors({
  /** A plugin URL parameter or wallet input is missing or malformed; details.field names it. */
  PAYKASSMA_REQUEST_INVALID: 'invalid',
  /** Only wavepay / MMK is played by this sandbox. */
  PAYKASSMA_WALLET_UNSUPPORTED: 'invalid',
  PAYKASSMA_DEPOSIT_NOT_FOUND: 'not_found',
  PAYKASSMA_NOTHING_TO_RESEND: 'precondition',
});
