import { totalsDelta } from '../domain/daily-totals';
import { reportingErrors } from '../domain/errors';
import { applyEvent, type ReportEvent } from '../domain/payment-fact';
import type { Clock, DailyTotalsRepository, PaymentFactRepository } from '../domain/ports';

export interface ApplyPaymentEventDeps {
  facts: PaymentFactRepository;
  totals: DailyTotalsRepository;
  clock: Clock;
}

/**
 * Applies one payment event to the reporting database, inside the consumer's transaction: the fact
 * moves only forward in sequence (duplicates and late events change nothing), and daily totals move
 * with it in the same transaction, so they always add up to the facts.
 */
export function makeApplyPaymentEvent(deps: ApplyPaymentEventDeps) {
  return async (event: ReportEvent): Promise<{ applied: boolean }> => {
    if (!event.paymentId || !event.merchantId) {
      throw reportingErrors.create('REPORTING_BAD_EVENT', 'event needs payment_id and merchant_id');
    }
    const existing = await deps.facts.getForUpdate(event.paymentId);
    const next = applyEvent(existing, event, deps.clock.now());
    if (!next) return { applied: false };
    await deps.totals.apply(totalsDelta(existing, next));
    await deps.facts.save(next, existing === undefined);
    return { applied: true };
  };
}
