import {
  caseContribution,
  contributionsDelta,
  factContribution,
  refundTotalsDelta,
} from '../domain/daily-totals';
import { reportingErrors } from '../domain/errors';
import { applyCaseEvent, isCaseEvent } from '../domain/payment-case';
import { applyEvent, type ReportEvent } from '../domain/payment-fact';
import type {
  Clock,
  DailyTotalsRepository,
  PaymentCaseRepository,
  PaymentFactRepository,
  RefundFactRepository,
  RefundTotalsRepository,
} from '../domain/ports';
import { applyRefundEvent, refundStatusOf } from '../domain/refund-fact';

export interface ApplyPaymentEventDeps {
  facts: PaymentFactRepository;
  cases: PaymentCaseRepository;
  totals: DailyTotalsRepository;
  refunds: RefundFactRepository;
  refundTotals: RefundTotalsRepository;
  clock: Clock;
}

/**
 * Applies one payment event to the reporting database, inside the consumer's transaction. The
 * payment's row lock serializes its events; each sequence is applied once (a duplicate changes
 * nothing), and a late event only fills in what no newer event set, so any order converges. A
 * case event also updates its case, a refund event its refund row; daily totals of payments and
 * of refunds move with them in the same transaction, so they always add up to the rows.
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
    const refundBefore =
      refundStatusOf(event.eventType) && event.refundId
        ? await deps.refunds.getForUpdate(event.refundId)
        : undefined;
    const refundAfter = applyRefundEvent(refundBefore, event, now);

    await deps.totals.apply(
      contributionsDelta(
        [...(existing ? factContribution(existing) : []), ...caseContribution(caseBefore)],
        [...factContribution(next), ...caseContribution(caseAfter)],
      ),
    );
    await deps.refundTotals.apply(refundTotalsDelta(refundBefore, refundAfter));
    if (caseAfter) await deps.cases.save(caseAfter, caseBefore === undefined);
    if (refundAfter) await deps.refunds.save(refundAfter, refundBefore === undefined);
    await deps.facts.save(next, existing === undefined);
    return { applied: true };
  };
}
