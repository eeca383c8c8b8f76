import { checkoutErrors } from './errors';

/** The objects a merchant reaches by id whose mode is kept apart from the other mode's. */
const OBJECTS = {
  payment: 'PAYMENT_NOT_FOUND',
  refund: 'REFUND_NOT_FOUND',
} as const;

const modeName = (livemode: boolean) => (livemode ? 'live' : 'test');

/**
 * Test and live modes are isolated completely, as at Stripe: a test key neither reads nor acts
 * on a live object and a live key none of test's. `requested` is the key's mode; undefined means
 * any mode (an operator, or the payer's page, which holds the payment's own secret). The answer
 * is the object's ordinary NOT_FOUND code with Stripe's hint: the caller is the object's own
 * merchant, so saying that it exists in the other mode tells nothing it could not see there, and
 * it points a developer who mixed up the keys at the cause.
 */
export function requireSameMode(
  object: keyof typeof OBJECTS,
  id: string,
  livemode: boolean,
  requested: boolean | undefined,
): void {
  if (requested === undefined || requested === livemode) return;
  throw checkoutErrors.create(
    OBJECTS[object],
    `No such ${object}: '${id}'; a similar object exists in ${modeName(livemode)} mode, ` +
      `but a ${modeName(requested)} mode key was used to make this request.`,
  );
}
