import { Readable } from 'node:stream';

import type {
  ExportPaymentsCsvRequest,
  ExportPaymentsCsvResponse,
  PaymentFact,
  PaymentFilter,
  RefundFact,
  ReportingServiceClient,
} from '@tolem/contracts/reporting';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { gatewayErrors } from '../errors';
import { methodName, providerName } from '../mappers/enums.mapper';
import { type JsonMinor, minorToJson } from '../mappers/payment.mapper';
import { livemodeSchema } from '../schemas';

/** Reporting's ReportingService as the gateway uses it: the reads, and the export's stream. */
export interface ReportsClient {
  unary: Pick<
    PromiseClient<ReportingServiceClient>,
    'listPayments' | 'getDailyTotals' | 'listRefunds'
  >;
  exportPaymentsCsv(
    request: ExportPaymentsCsvRequest,
    opts?: { requestId?: string },
  ): AsyncIterable<ExportPaymentsCsvResponse>;
}

export interface ReportRouteDeps {
  authenticate: ApiKeyAuthenticator;
  reports: ReportsClient;
}

// ---- JSON shapes ----

export interface PaymentReportJson {
  id: string;
  object: 'payment_report';
  merchant_order_id: string | null;
  status: string;
  amount: JsonMinor;
  fee: JsonMinor;
  net: JsonMinor;
  currency: string;
  method: string | null;
  provider: string | null;
  provider_payment_id: string | null;
  failure_code: string | null;
  created_at: string | null;
  /** The UTC day the payment counts on in daily totals (its latest status change but refunds). */
  day: string | null;
  updated_at: string | null;
  history: { status: string; event_type: string; sequence: number; at: string | null }[];
  livemode: boolean;
}

function paymentToJson(p: PaymentFact): PaymentReportJson {
  return {
    id: p.paymentId,
    object: 'payment_report',
    merchant_order_id: p.orderId === '' ? null : p.orderId,
    status: p.status,
    amount: minorToJson(p.gross?.amountMinor ?? 0n),
    fee: minorToJson(p.fee?.amountMinor ?? 0n),
    net: minorToJson(p.net?.amountMinor ?? 0n),
    currency: p.gross?.currency ?? '',
    method: methodName(p.method),
    provider: providerName(p.provider),
    provider_payment_id: p.providerPaymentId === '' ? null : p.providerPaymentId,
    failure_code: p.failureCode === '' ? null : p.failureCode,
    created_at: p.createdAt ? p.createdAt.toISOString() : null,
    day: p.occurredAt ? p.occurredAt.toISOString().slice(0, 10) : null,
    updated_at: p.updatedAt ? p.updatedAt.toISOString() : null,
    history: p.history.map((h) => ({
      status: h.status,
      event_type: h.eventType,
      sequence: Number(h.sequence),
      at: h.occurredAt ? h.occurredAt.toISOString() : null,
    })),
    livemode: p.livemode,
  };
}

function refundReportToJson(r: RefundFact) {
  return {
    id: r.refundId,
    object: 'refund_report' as const,
    payment: r.paymentId,
    amount: minorToJson(r.amount?.amountMinor ?? 0n),
    currency: r.amount?.currency ?? '',
    status: r.status,
    method: methodName(r.method),
    provider: providerName(r.provider),
    failure_code: r.failureCode === '' ? null : r.failureCode,
    day: r.day,
    requested_at: r.requestedAt ? r.requestedAt.toISOString() : null,
    resolved_at: r.resolvedAt ? r.resolvedAt.toISOString() : null,
    livemode: r.livemode,
  };
}

// ---- Schemas ----

const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }],
  description: 'Integer minor units; a decimal string beyond 2^53-1.',
} as const;
const nullableString = { type: ['string', 'null'] } as const;
const daySchema = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } as const;
const wordSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' } as const;
const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const timeSchema = {
  type: 'string',
  minLength: 10,
  maxLength: 40,
  description: 'ISO 8601 time, e.g. 2026-03-01T00:00:00Z.',
} as const;

const paymentReportSchema = {
  type: 'object',
  required: ['id', 'object', 'status', 'amount', 'fee', 'net', 'currency', 'history', 'livemode'],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['payment_report'] },
    merchant_order_id: nullableString,
    status: {
      type: 'string',
      description: 'pending, succeeded, failed, expired, canceled, partially_refunded, refunded, …',
    },
    amount: minorSchema,
    fee: minorSchema,
    net: minorSchema,
    currency: { type: 'string' },
    method: nullableString,
    provider: nullableString,
    provider_payment_id: nullableString,
    failure_code: nullableString,
    created_at: nullableString,
    day: nullableString,
    updated_at: nullableString,
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'event_type', 'sequence', 'at'],
        properties: {
          status: { type: 'string' },
          event_type: { type: 'string' },
          sequence: { type: 'integer' },
          at: nullableString,
        },
      },
    },
    livemode: livemodeSchema(),
  },
} as const;

const refundReportSchema = {
  type: 'object',
  required: ['id', 'object', 'payment', 'amount', 'currency', 'status', 'day', 'livemode'],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['refund_report'] },
    payment: { type: 'string' },
    amount: minorSchema,
    currency: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
    method: nullableString,
    provider: nullableString,
    failure_code: nullableString,
    day: { type: 'string' },
    requested_at: nullableString,
    resolved_at: nullableString,
    livemode: livemodeSchema(),
  },
} as const;

const listOf = (items: object) =>
  ({
    type: 'object',
    required: ['object', 'data', 'has_more', 'next_cursor', 'url'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items },
      has_more: { type: 'boolean' },
      next_cursor: { ...nullableString, description: 'Pass as `cursor` for the next page.' },
      url: { type: 'string' },
    },
  }) as const;

const filterProperties = {
  status: wordSchema,
  method: wordSchema,
  currency: currencySchema,
  created_from: { ...timeSchema, description: 'Created at or after (ISO 8601).' },
  created_to: { ...timeSchema, description: 'Created before (ISO 8601).' },
} as const;

const paymentsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1..100, default 50' },
    cursor: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

const csvQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: filterProperties,
} as const;

const refundsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    limit: paymentsQuerySchema.properties.limit,
    cursor: paymentsQuerySchema.properties.cursor,
  },
} as const;

const totalsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: {
    from: { ...daySchema, description: 'First UTC day, YYYY-MM-DD.' },
    to: { ...daySchema, description: 'Last UTC day (included), at most 366 days after from.' },
    method: wordSchema,
    currency: currencySchema,
  },
} as const;

const totalsSchema = {
  type: 'object',
  required: ['object', 'payments', 'refunds'],
  properties: {
    object: { type: 'string', enum: ['daily_totals'] },
    payments: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'day',
          'currency',
          'method',
          'status',
          'livemode',
          'count',
          'amount',
          'fee',
          'net',
        ],
        properties: {
          day: { type: 'string' },
          currency: { type: 'string' },
          method: { type: 'string' },
          status: { type: 'string' },
          livemode: livemodeSchema(),
          count: minorSchema,
          amount: minorSchema,
          fee: minorSchema,
          net: minorSchema,
        },
      },
    },
    refunds: {
      type: 'array',
      items: {
        type: 'object',
        required: ['day', 'currency', 'method', 'status', 'livemode', 'count', 'amount'],
        properties: {
          day: { type: 'string' },
          currency: { type: 'string' },
          method: { type: 'string' },
          status: { type: 'string' },
          livemode: livemodeSchema(),
          count: minorSchema,
          amount: minorSchema,
        },
      },
    },
  },
} as const;

interface FilterQuery {
  status?: string;
  method?: string;
  currency?: string;
  created_from?: string;
  created_to?: string;
}

function timeOf(raw: string | undefined, field: string): Date | undefined {
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) {
    throw gatewayErrors.create('VALIDATION_FAILED', `${field} must be an ISO 8601 time`, {
      details: { field },
    });
  }
  return new Date(t);
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (n < 1 || n > 100) {
    throw gatewayErrors.create('VALIDATION_FAILED', 'limit must be 1..100', {
      details: { field: 'limit' },
    });
  }
  return n;
}

/** The key's merchant and mode: a test key reads test figures only, a live key live ones. */
function filterOf(request: FastifyRequest, q: FilterQuery): PaymentFilter {
  return {
    merchantId: merchantIdOf(request),
    livemode: livemodeOf(request),
    status: q.status ?? '',
    method: q.method ?? '',
    currency: q.currency ?? '',
    createdFrom: timeOf(q.created_from, 'created_from'),
    createdTo: timeOf(q.created_to, 'created_to'),
  };
}

/**
 * The merchant's reports (`/v1/reports/...`), read from the reporting database in the API key's
 * mode only (a test key never sees live figures, nor a live key test ones): payments by filter
 * with their history, refunds, daily totals, and a CSV export streamed from reporting's gRPC
 * stream to a chunked HTTP answer, so a month of a busy merchant is never held in memory.
 */
export function reportRoutes(deps: ReportRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);

    app.get<{ Querystring: FilterQuery & { limit?: string; cursor?: string } }>(
      '/v1/reports/payments',
      {
        // Payments with their status history, fees and net, newest created first
        schema: {
          querystring: paymentsQuerySchema,
          response: { 200: listOf(paymentReportSchema) },
        },
      },
      async (request) => {
        const res = await deps.reports.unary.listPayments(
          {
            filter: filterOf(request, request.query),
            pageSize: limitOf(request.query.limit),
            pageToken: request.query.cursor ?? '',
          },
          { requestId: request.id },
        );
        return {
          object: 'list',
          data: res.payments.map(paymentToJson),
          has_more: res.nextPageToken !== '',
          next_cursor: res.nextPageToken === '' ? null : res.nextPageToken,
          url: '/v1/reports/payments',
        };
      },
    );

    app.get<{ Querystring: { payment?: string; limit?: string; cursor?: string } }>(
      '/v1/reports/refunds',
      {
        // Refunds, one per refund, latest status change first
        schema: {
          querystring: refundsQuerySchema,
          response: { 200: listOf(refundReportSchema) },
        },
      },
      async (request) => {
        const res = await deps.reports.unary.listRefunds(
          {
            merchantId: merchantIdOf(request),
            paymentId: request.query.payment ?? '',
            livemode: livemodeOf(request),
            pageSize: limitOf(request.query.limit),
            pageToken: request.query.cursor ?? '',
          },
          { requestId: request.id },
        );
        return {
          object: 'list',
          data: res.refunds.map(refundReportToJson),
          has_more: res.nextPageToken !== '',
          next_cursor: res.nextPageToken === '' ? null : res.nextPageToken,
          url: '/v1/reports/refunds',
        };
      },
    );

    app.get<{ Querystring: { from: string; to: string; method?: string; currency?: string } }>(
      '/v1/reports/daily_totals',
      {
        // Totals per UTC day, currency, method and status; refunds apart
        schema: {
          querystring: totalsQuerySchema,
          response: { 200: totalsSchema },
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
        return {
          object: 'daily_totals',
          payments: res.payments.map((p) => ({
            day: p.day,
            currency: p.currency,
            method: p.method,
            status: p.status,
            livemode: p.livemode,
            count: minorToJson(p.paymentsCount),
            amount: minorToJson(p.grossMinor),
            fee: minorToJson(p.feeMinor),
            net: minorToJson(p.netMinor),
          })),
          refunds: res.refunds.map((r) => ({
            day: r.day,
            currency: r.currency,
            method: r.method,
            status: r.status,
            livemode: r.livemode,
            count: minorToJson(r.refundsCount),
            amount: minorToJson(r.amountMinor),
          })),
        };
      },
    );

    app.get<{ Querystring: FilterQuery }>(
      '/v1/reports/payments.csv',
      {
        // Export payments as CSV (RFC 4180), oldest created first, streamed
        schema: {
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
            { filter: filterOf(request, request.query) },
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
