import { defineErrors } from '@tolem/errors';

/** Recurring's error codes; each code keeps its kind forever. */
export const recurringErrors = defineErrors({
  RECURRING_INVALID_REQUEST: 'invalid',
  /** The same payment's binding was recorded before with different content. */
  RECURRING_BINDING_CONFLICT: 'conflict',
});
