import { Readable } from 'node:stream';

import type {
  ExportPaymentsCsvRequest,
  ExportPaymentsCsvResponse,
} from '@tolem/contracts/reporting';
import type { FastifyPluginAsync } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { toPaymentFilter } from '../mappers/report.mapper';
import { operation } from '../openapi';
import { csvQuerySchema, type FilterQuery } from '../report.schemas';

/** Reporting's export, a gRPC server stream of CSV chunks. */
export interface ReportExportsClient {
  exportPaymentsCsv(
    request: ExportPaymentsCsvRequest,
    opts?: { requestId?: string },
  ): AsyncIterable<ExportPaymentsCsvResponse>;
}

export interface ReportExportRouteDeps {
  authenticate: ApiKeyAuthenticator;
  reports: ReportExportsClient;
}

/**
 * The payments CSV export (`/v1/reports/payments.csv`), streamed from reporting's gRPC stream to
 * a chunked HTTP answer, so a month of a busy merchant is never held in memory.
 */
export function reportExportRoutes(deps: ReportExportRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);

    app.get<{ Querystring: FilterQuery }>(
      '/v1/reports/payments.csv',
      {
        // Export payments as CSV (RFC 4180), oldest created first, streamed
        schema: {
          ...operation('exportPaymentsCsv', 'Your payments as CSV, streamed'),
          querystring: csvQuerySchema,
          response: {
            200: {
              description:
                'text/csv, chunked. Amounts in integer minor units and, beside each, the decimal string in major units.',
              content: { 'text/csv': { schema: { type: 'string' } } },
            },
          },
        },
      },
      async (request, reply) => {
        const chunks = deps.reports
          .exportPaymentsCsv(
            { filter: toPaymentFilter(request.query, merchantIdOf(request), livemodeOf(request)) },
            { requestId: request.id },
          )
          [Symbol.asyncIterator]();
        // The header record comes first: a refused filter is still a JSON error, not a broken CSV.
        const first = await chunks.next();
        async function* body(): AsyncGenerator<string> {
          if (!first.done) yield first.value.data;
          for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
            yield next.value.data;
          }
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="payments.csv"')
          .send(Readable.from(body()));
      },
    );
  };
}
