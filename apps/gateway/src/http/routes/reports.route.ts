import type { FastifyPluginAsync } from 'fastify';

import type { ApiKeyAuthenticator } from '../auth';
import { reportExportRoutes, type ReportExportsClient } from './report-exports.route';
import { reportReadRoutes, type ReportReadsClient } from './report-reads.route';

/** Reporting's ReportingService as the gateway uses it: the reads, and the export's stream. */
export type ReportsClient = ReportReadsClient & ReportExportsClient;

export interface ReportRouteDeps {
  authenticate: ApiKeyAuthenticator;
  reports: ReportsClient;
}

/**
 * The merchant's reports (`/v1/reports/...`), read from the reporting database in the API key's
 * mode only (a test key never sees live figures, nor a live key test ones): the JSON reads
 * (report-reads.route.ts) and the CSV export streamed in chunks (report-exports.route.ts).
 */
export function reportRoutes(deps: ReportRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(reportReadRoutes(deps));
    await app.register(reportExportRoutes(deps));
  };
}
