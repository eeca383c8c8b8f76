import { defineErrors } from '@tolem/errors';

/**
 * Recurring's error codes; each code keeps its kind forever. Every refusal of a field names it in
 * `details.field` (the proto's snake_case name, `schedule.time_zone` for a nested one).
 */
export const recurringErrors = defineErrors({
  /** A malformed request that no more specific code below describes (limit, cursor, ids, state). */
  RECURRING_INVALID_REQUEST: 'invalid',
  /** The same payment's binding was recorded before with different content. */
  RECURRING_BINDING_CONFLICT: 'conflict',
  /** No such binding for this merchant (another merchant's binding reads the same). */
  RECURRING_BINDING_NOT_FOUND: 'not_found',
  /** Operations are created only on an ACTIVATED binding (seed 003: recurringState=Activated). */
  RECURRING_BINDING_NOT_ACTIVE: 'precondition',
  /** No such scheduled operation for this merchant (another merchant's reads the same). */
  RECURRING_OPERATION_NOT_FOUND: 'not_found',
  /** A canceled or completed operation is final: it cannot be edited, paused or resumed. */
  RECURRING_OPERATION_FINISHED: 'precondition',
  /** Creating an operation needs an idempotency key. */
  RECURRING_IDEMPOTENCY_KEY_REQUIRED: 'invalid',
  /** The idempotency key was used before with another request; details.field names what differs. */
  RECURRING_IDEMPOTENCY_CONFLICT: 'conflict',
  /** The amount is missing, not positive, or not in the binding's currency. */
  RECURRING_INVALID_AMOUNT: 'invalid',
  /** The description is empty or longer than 128 characters (it becomes the receipt's line). */
  RECURRING_INVALID_DESCRIPTION: 'invalid',
  /** The schedule is missing, ambiguous, malformed, or never occurs. */
  RECURRING_INVALID_SCHEDULE: 'invalid',
  /** Not an IANA time zone name. */
  RECURRING_INVALID_TIME_ZONE: 'invalid',
  /** starts_at missing, or ends_at not after starts_at. */
  RECURRING_INVALID_DATES: 'invalid',
  /** The receipt's customer has neither a valid email nor a valid phone. */
  RECURRING_INVALID_RECEIPT_CUSTOMER: 'invalid',
  /** Too many metadata keys, or a key or value too long. */
  RECURRING_INVALID_METADATA: 'invalid',
  /** AdvanceTestClock on a service running with the real clock (RECURRING_TEST_CLOCK unset). */
  RECURRING_TEST_CLOCK_DISABLED: 'precondition',
});

export type RecurringErrorCode = keyof typeof recurringErrors.table;

/** A refusal of one field, with its stable code. */
export function invalidField(code: RecurringErrorCode, field: string, message: string) {
  return recurringErrors.create(code, message, { details: { field } });
}
