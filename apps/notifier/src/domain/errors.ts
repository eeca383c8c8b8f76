import { defineErrors } from '@tolem/errors';

/** Notifier's error codes; each code keeps its kind forever. */
export const notifierErrors = defineErrors({
  /** UpsertEndpoint: missing merchant, URL not http(s), or signing secret shorter than 16 characters. */
  NOTIFIER_INVALID_ENDPOINT: 'invalid',
  /** A malformed list/redeliver request (missing merchant, bad page token, negative page size). */
  NOTIFIER_INVALID_REQUEST: 'invalid',
  NOTIFIER_DELIVERY_NOT_FOUND: 'not_found',
  /** A payment event that can never become a notification (no payment or merchant id): sent to the DLQ. */
  NOTIFIER_BAD_EVENT: 'invalid',
});
