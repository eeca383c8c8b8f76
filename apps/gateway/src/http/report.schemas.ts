import { instantSchema, limitSchema, livemodeSchema, nullableString } from './schemas';

/**
 * Request and response schemas of the merchant's reports (`/v1/reports/…`). Fastify validates
 * requests with them and the OpenAPI document is generated from the same objects.
 */

const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }],
  description: 'Integer minor units; a decimal string beyond 2^53-1.',
} as const;
const daySchema = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } as const;
const wordSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' } as const;
const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const timeSchema = {
  ...instantSchema,
  description: 'RFC 3339 time with its offset, e.g. 2026-03-01T00:00:00Z.',
} as const;

// ---- Answers ----

export const paymentReportSchema = {
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

export const refundReportSchema = {
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

/** The report lists: paged with `cursor`, reporting's opaque token. */
export const reportListSchemaOf = (items: object) =>
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

export const dailyTotalsSchema = {
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

// ---- Requests ----

const filterProperties = {
  status: wordSchema,
  method: wordSchema,
  currency: currencySchema,
  created_from: { ...timeSchema, description: 'Created at or after (ISO 8601).' },
  created_to: { ...timeSchema, description: 'Created before (ISO 8601).' },
} as const;

/** The payment filter of the payments list and the CSV export. */
export interface FilterQuery {
  status?: string;
  method?: string;
  currency?: string;
  created_from?: string;
  created_to?: string;
}

export const paymentsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    limit: limitSchema(50),
    cursor: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

export type PaymentsQuery = FilterQuery & { limit?: string; cursor?: string };

export const csvQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: filterProperties,
} as const;

export const refundsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    limit: paymentsQuerySchema.properties.limit,
    cursor: paymentsQuerySchema.properties.cursor,
  },
} as const;

export interface RefundsQuery {
  payment?: string;
  limit?: string;
  cursor?: string;
}

export const totalsQuerySchema = {
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

export interface TotalsQuery {
  from: string;
  to: string;
  method?: string;
  currency?: string;
}
