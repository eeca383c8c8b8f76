import { defineErrors } from '@tolem/errors';

/** Recurring's error codes; each code keeps its kind forever. */
export const recurringErrors = defineErrors({
  RECURRING_INVALID_REQUEST: 'invalid',
  /** The same payment's binding was recorded before with different content. */
  RECURRING_BINDING_CONFLICT: 'conflict',
  /** Unknown operation, or another merchant's (they look alike). */
  RECURRING_OPERATION_NOT_FOUND: 'not_found',
  /** AdvanceTestClock on a service running with the real clock (RECURRING_TEST_CLOCK unset). */
  RECURRING_TEST_CLOCK_DISABLED: 'precondition',
});
