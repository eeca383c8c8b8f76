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
  /** No such endpoint for this merchant (another merchant's and deleted ones included). */
  NOTIFIER_ENDPOINT_NOT_FOUND: 'not_found',
  /**
   * The default endpoint's URL and secret are checkout's (onboarding, secret rotation): change
   * them through the merchant, and disable rather than delete it.
   */
  NOTIFIER_DEFAULT_ENDPOINT_MANAGED: 'precondition',
  /** A merchant has at most MAX_ENDPOINTS_PER_MERCHANT endpoints. */
  NOTIFIER_ENDPOINT_LIMIT: 'precondition',
  /** The idempotency key already created an endpoint with other settings. */
  NOTIFIER_IDEMPOTENCY_KEY_REUSED: 'conflict',
});
