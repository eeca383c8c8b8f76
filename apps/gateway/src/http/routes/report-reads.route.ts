import type { ReportingServiceClient } from '@tolem/contracts/reporting';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { cursorPage } from '../mappers/list.mapper';
import { limitFrom } from '../mappers/payment.mapper';
import {
  dailyTotalsToJson,
  paymentReportToJson,
  refundReportToJson,
  toPaymentFilter,
} from '../mappers/report.mapper';
import { operation } from '../openapi';
import {
  dailyTotalsSchema,
  paymentReportSchema,
  type PaymentsQuery,
  paymentsQuerySchema,
  refundReportSchema,
  type RefundsQuery,
  refundsQuerySchema,
  reportListSchemaOf,
  type TotalsQuery,
  totalsQuerySchema,
} from '../report.schemas';

/** Reporting's unary reads, as these routes use them. */
export interface ReportReadsClient {
  unary: Pick<
    PromiseClient<ReportingServiceClient>,
    'listPayments' | 'getDailyTotals' | 'listRefunds'
  >;
}

export interface ReportReadRouteDeps {
  authenticate: ApiKeyAuthenticator;
  reports: ReportReadsClient;
}

/**
 * The merchant's reports as JSON (`/v1/reports/payments`, `/refunds`, `/daily_totals`): payments
 * by filter with their history, refunds, and daily totals. A `limit` left out is 0: reporting's
 * own default page size.
 */
export function reportReadRoutes(deps: ReportReadRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);

    app.get<{ Querystring: PaymentsQuery }>(
      '/v1/reports/payments',
      {
        // Payments with their status history, fees and net, newest created first
        schema: {
          ...operation('listReportPayments', 'Payments as reporting records them'),
          querystring: paymentsQuerySchema,
          response: { 200: reportListSchemaOf(paymentReportSchema) },
        },
      },
      async (request) => {
        const res = await deps.reports.unary.listPayments(
          {
            filter: toPaymentFilter(request.query, merchantIdOf(request), livemodeOf(request)),
            pageSize: limitFrom(request.query.limit, 100, 0),
            pageToken: request.query.cursor ?? '',
          },
          { requestId: request.id },
        );
        return cursorPage(
          '/v1/reports/payments',
          res.payments.map(paymentReportToJson),
          res.nextPageToken,
        );
      },
    );

    app.get<{ Querystring: RefundsQuery }>(
      '/v1/reports/refunds',
      {
        // Refunds, one per refund, latest status change first
        schema: {
          ...operation('listReportRefunds', 'Refunds as reporting records them'),
          querystring: refundsQuerySchema,
          response: { 200: reportListSchemaOf(refundReportSchema) },
        },
      },
      async (request) => {
        const res = await deps.reports.unary.listRefunds(
          {
            merchantId: merchantIdOf(request),
            paymentId: request.query.payment ?? '',
            livemode: livemodeOf(request),
            pageSize: limitFrom(request.query.limit, 100, 0),
            pageToken: request.query.cursor ?? '',
          },
          { requestId: request.id },
        );
        return cursorPage(
          '/v1/reports/refunds',
          res.refunds.map(refundReportToJson),
          res.nextPageToken,
        );
      },
    );

    app.get<{ Querystring: TotalsQuery }>(
      '/v1/reports/daily_totals',
      {
        // Totals per UTC day, currency, method and status; refunds apart
        schema: {
          ...operation('getDailyTotals', 'Totals per day, currency and mode'),
          querystring: totalsQuerySchema,
          response: { 200: dailyTotalsSchema },
        },
      },
      async (request) => {
        const res = await deps.reports.unary.getDailyTotals(
          {
            merchantId: merchantIdOf(request),
            fromDay: request.query.from,
            toDay: request.query.to,
            method: request.query.method ?? '',
            currency: request.query.currency ?? '',
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return dailyTotalsToJson(res);
      },
    );
  };
}
