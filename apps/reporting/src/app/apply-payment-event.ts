import { caseContribution, contributionsDelta, factContribution } from '../domain/daily-totals';
import { reportingErrors } from '../domain/errors';
import { applyCaseEvent, isCaseEvent } from '../domain/payment-case';
import { applyEvent, type ReportEvent } from '../domain/payment-fact';
import type {
  Clock,
  DailyTotalsRepository,
  PaymentCaseRepository,
  PaymentFactRepository,
} from '../domain/ports';

export interface ApplyPaymentEventDeps {
  facts: PaymentFactRepository;
  cases: PaymentCaseRepository;
  totals: DailyTotalsRepository;
  clock: Clock;
}

/**
 * Applies one payment event to the reporting database, inside the consumer's transaction: the fact
 * moves only forward in sequence (duplicates and late events change nothing), a case event also
 * updates its case, and daily totals move with both in the same transaction, so they always add up
 * to the facts and cases.
 */
export function makeApplyPaymentEvent(deps: ApplyPaymentEventDeps) {
  return async (event: ReportEvent): Promise<{ applied: boolean }> => {
    if (!event.paymentId || !event.merchantId) {
      throw reportingErrors.create('REPORTING_BAD_EVENT', 'event needs payment_id and merchant_id');
    }
    const now = deps.clock.now();
    const existing = await deps.facts.getForUpdate(event.paymentId);
    const next = applyEvent(existing, event, now);
    if (!next) return { applied: false };
    const caseBefore =
      isCaseEvent(event.eventType) && event.caseId
        ? await deps.cases.getForUpdate(event.caseId)
        : undefined;
    const caseAfter = isCaseEvent(event.eventType)
      ? applyCaseEvent(caseBefore, event, now)
      : undefined;
    await deps.totals.apply(
      contributionsDelta(
        [...(existing ? factContribution(existing) : []), ...caseContribution(caseBefore)],
        [...factContribution(next), ...caseContribution(caseAfter)],
      ),
    );
    if (caseAfter) await deps.cases.save(caseAfter, caseBefore === undefined);
    await deps.facts.save(next, existing === undefined);
    return { applied: true };
  };
}
