import {
  CheckConsistencyResponse,
  ExportPaymentsCsvResponse,
  GetConsistencyResponse,
  GetDailyTotalsResponse,
  GetPaymentFactResponse,
  ListPaymentFactsResponse,
  ListPaymentsResponse,
  ListRefundsResponse,
  type ReportingServiceService,
} from '@tolem/contracts/reporting';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeCheckConsistency, makeConsistencyMonitor } from '../app/check-consistency';
import type { makeExportPaymentsCsv } from '../app/export-payments-csv';
import type { makeGetDailyTotals } from '../app/get-daily-totals';
import type { makeGetPaymentFact } from '../app/get-payment-fact';
import type { makeListPaymentFacts } from '../app/list-payment-facts';
import type { makeListPayments } from '../app/list-payments';
import type { makeListRefunds } from '../app/list-refunds';
import {
  factToProto,
  filterToDomain,
  listRequestToDomain,
  refundToProto,
  reportToProto,
} from './reporting.mapper';

export interface ReportingHandlerDeps {
  getPaymentFact: ReturnType<typeof makeGetPaymentFact>;
  listPaymentFacts: ReturnType<typeof makeListPaymentFacts>;
  listPayments: ReturnType<typeof makeListPayments>;
  listRefunds: ReturnType<typeof makeListRefunds>;
  getDailyTotals: ReturnType<typeof makeGetDailyTotals>;
  exportPaymentsCsv: ReturnType<typeof makeExportPaymentsCsv>;
  checkConsistency: ReturnType<typeof makeCheckConsistency>;
  consistency: Pick<ReturnType<typeof makeConsistencyMonitor>, 'latest'>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function reportingHandlers(
  deps: ReportingHandlerDeps,
): Handlers<typeof ReportingServiceService> {
  return {
    async getPaymentFact(req) {
      return GetPaymentFactResponse.fromPartial({
        fact: factToProto(await deps.getPaymentFact(req.paymentId)),
      });
    },
    async listPaymentFacts(req) {
      const { facts, nextPageToken } = await deps.listPaymentFacts(listRequestToDomain(req));
      return ListPaymentFactsResponse.fromPartial({ facts: facts.map(factToProto), nextPageToken });
    },
    async listPayments(req) {
      const { payments, nextPageToken } = await deps.listPayments({
        filter: filterToDomain(req.filter),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return ListPaymentsResponse.fromPartial({
        payments: payments.map(factToProto),
        nextPageToken,
      });
    },
    async listRefunds(req) {
      const { refunds, nextPageToken } = await deps.listRefunds(req);
      return ListRefundsResponse.fromPartial({
        refunds: refunds.map(refundToProto),
        nextPageToken,
      });
    },
    async getDailyTotals(req) {
      const totals = await deps.getDailyTotals(req);
      return GetDailyTotalsResponse.fromPartial(totals);
    },
    async *exportPaymentsCsv(req) {
      for await (const data of deps.exportPaymentsCsv(filterToDomain(req.filter))) {
        yield ExportPaymentsCsvResponse.fromPartial({ data });
      }
    },
    async getConsistency() {
      const last = deps.consistency.latest();
      return GetConsistencyResponse.fromPartial(
        last ? { checked: true, report: reportToProto(last) } : { checked: false },
      );
    },
    async checkConsistency(req) {
      return CheckConsistencyResponse.fromPartial({
        report: reportToProto(await deps.checkConsistency(req)),
      });
    },
  };
}
