import { reportingErrors } from '../domain/errors';
import type { PaymentFact } from '../domain/payment-fact';
import type { PaymentFactRepository } from '../domain/ports';

/** One payment's fact; REPORTING_FACT_NOT_FOUND until an event for it was consumed. */
export function makeGetPaymentFact(deps: { facts: PaymentFactRepository }) {
  return async (paymentId: string): Promise<PaymentFact> => {
    const fact = paymentId ? await deps.facts.get(paymentId) : undefined;
    if (!fact) {
      throw reportingErrors.create('REPORTING_FACT_NOT_FOUND', 'no fact for this payment', {
        details: { payment_id: paymentId },
      });
    }
    return fact;
  };
}
