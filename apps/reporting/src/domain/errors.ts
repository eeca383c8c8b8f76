import { defineErrors } from '@tolem/errors';

/** Reporting's error codes; each code keeps its kind forever. */
export const reportingErrors = defineErrors({
  REPORTING_FACT_NOT_FOUND: 'not_found',
  /** A malformed query (missing merchant, inverted time range, bad page token, negative page size). */
  REPORTING_INVALID_REQUEST: 'invalid',
  /** A payment event without payment or merchant id: it can never be applied, so it goes to the DLQ. */
  REPORTING_BAD_EVENT: 'invalid',
});
