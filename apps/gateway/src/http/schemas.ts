import {
  CASE_STATUS_NAME_LIST,
  type CaseStatusName,
  METHOD_NAME_LIST,
  STATUS_NAME_LIST,
} from './mappers/enums.mapper';

/**
 * JSON Schemas Fastify validates requests with; openapi.ts publishes the same objects, so the
 * document cannot drift from what the routes accept. `amount` is deliberately untyped here:
 * minorFromJson decides (integers up to 2^53-1, or decimal integer strings), so a float gets the
 * precise MONEY_NOT_AN_INTEGER code rather than a generic schema message.
 */
export const amountSchema = {
  description:
    'Integer minor units (1999 = 19.99 USD). Values above 2^53-1 must be sent as a decimal string.',
} as const;

const urlSchema = { type: 'string', minLength: 1, maxLength: 2048 } as const;

export const createPaymentBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: amountSchema,
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 alphabetic code' },
    order_id: { type: 'string', maxLength: 255 },
    description: { type: 'string', maxLength: 1000 },
    success_url: urlSchema,
    fail_url: urlSchema,
    metadata: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { minLength: 1, maxLength: 40 },
      additionalProperties: { type: 'string', maxLength: 500 },
    },
  },
} as const;

export interface CreatePaymentBody {
  amount: unknown;
  currency: string;
  order_id?: string;
  description?: string;
  success_url?: string;
  fail_url?: string;
  metadata?: Record<string, string>;
}

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

/** POST /v1/payments/{id}/cancel: an optional reason, kept in the payment's audit trail. */
export const cancelPaymentBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 200 } },
} as const;

/** GET /v1/balance: one currency, or every currency the merchant has an account in. */
export const balanceQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    currency: {
      type: 'string',
      pattern: '^[A-Z]{3}$',
      description: 'ISO 4217 code; omit it for a list of every currency the merchant holds',
    },
  },
} as const;

const methodSchema = { type: 'string', enum: METHOD_NAME_LIST } as const;

export const createMerchantBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'enabled_methods', 'result_url'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    enabled_methods: { type: 'array', minItems: 1, uniqueItems: true, items: methodSchema },
    /**
     * The merchant's fee plan in the ledger, the only owner of fees: per method a percent of the
     * gross plus a fixed part per currency (a currency without one has no fixed part).
     */
    fee_rules: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['method', 'percent_bps'],
        properties: {
          method: methodSchema,
          percent_bps: { type: 'integer', minimum: 0, maximum: 10000 },
          fixed: {
            type: 'array',
            maxItems: 200,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['amount', 'currency'],
              properties: {
                amount: amountSchema,
                currency: {
                  type: 'string',
                  pattern: '^[A-Z]{3}$',
                  description: 'ISO 4217 alphabetic code',
                },
              },
            },
          },
        },
      },
    },
    webmoney_shop_id: { type: 'string', maxLength: 64 },
    /** Where the notifier POSTs signed payment notifications. */
    result_url: urlSchema,
    success_url: urlSchema,
    fail_url: urlSchema,
  },
} as const;

export interface FeeRuleBody {
  method: string;
  percent_bps: number;
  fixed?: { amount: unknown; currency: string }[];
}

export interface CreateMerchantBody {
  name: string;
  enabled_methods: string[];
  fee_rules?: FeeRuleBody[];
  webmoney_shop_id?: string;
  result_url: string;
  success_url?: string;
  fail_url?: string;
}

export const startPaymentFormSchema = {
  type: 'object',
  required: ['method'],
  properties: {
    method: { type: 'string', maxLength: 64 },
    phone: { type: 'string', maxLength: 32 },
    /** The card form's "remember this card" checkbox (present only when ticked). */
    remember_card: { type: 'string', maxLength: 8 },
  },
} as const;

export interface StartPaymentForm {
  method: string;
  phone?: string;
  remember_card?: string;
}

/**
 * The payer's second step. key1's own limit (11 characters) is checked by the route so the payer
 * gets the form back with a message rather than a bare 400; the schema only caps the body.
 */
export const payerInputFormSchema = {
  type: 'object',
  properties: {
    key1: { type: 'string', maxLength: 256 },
  },
} as const;

export interface PayerInputForm {
  key1?: string;
}

const idPattern = '^[A-Za-z0-9_-]+$';

/**
 * GET /admin/v1/cases. Query strings are not coerced, so `limit` is digits here and the mapper
 * checks its range; `cursor` is the `next_cursor` of the previous page, opaque.
 */
export const listCasesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: CASE_STATUS_NAME_LIST },
    merchant_id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    payment_id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: '1..200, default 50' },
    cursor: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

export interface ListCasesQuery {
  status?: CaseStatusName;
  merchant_id?: string;
  payment_id?: string;
  limit?: string;
  cursor?: string;
}

const operatorSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "Who decided (an operator's name or email); kept in the case's audit trail.",
} as const;

const noteSchema = { type: 'string', maxLength: 1000 } as const;

/** POST /admin/v1/cases/{id}/apply: credit the case's money to the payment's merchant. */
export const applyCaseBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['operator'],
  properties: { operator: operatorSchema, note: noteSchema },
} as const;

export interface ApplyCaseBody {
  operator: string;
  note?: string;
}

/** POST /admin/v1/cases/{id}/return: record that the money went back to the payer. */
export const returnCaseBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['operator', 'return_reference'],
  properties: {
    operator: operatorSchema,
    note: noteSchema,
    return_reference: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'The transfer that sent the money back to the payer.',
    },
  },
} as const;

export interface ReturnCaseBody {
  operator: string;
  note?: string;
  return_reference: string;
}

/** Query strings are not coerced: numbers arrive as digits and the mappers check their range. */
const limitSchema = (max: number, fallback: number) =>
  ({
    type: 'string',
    pattern: '^[0-9]{1,4}$',
    description: `1..${max}, default ${fallback}`,
  }) as const;

const idSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern } as const;

/** An RFC 3339 instant with its offset, e.g. 2026-12-01T10:00:00Z. */
const instantSchema = {
  type: 'string',
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
} as const;

/**
 * GET /v1/payments, Stripe style: newest first, `limit`, `starting_after` (older) or
 * `ending_before` (newer) a payment id, and filters. The created range is Stripe's bracket form,
 * an RFC 3339 instant each: `created[gte]` inclusive, `created[lt]` exclusive.
 */
export const listPaymentsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(100, 10),
    starting_after: idSchema,
    ending_before: idSchema,
    status: { type: 'string', enum: STATUS_NAME_LIST },
    method: methodSchema,
    order_id: { type: 'string', minLength: 1, maxLength: 255 },
    'created[gte]': instantSchema,
    'created[lt]': instantSchema,
  },
} as const;

export interface ListPaymentsQuery {
  limit?: string;
  starting_after?: string;
  ending_before?: string;
  status?: string;
  method?: string;
  order_id?: string;
  'created[gte]'?: string;
  'created[lt]'?: string;
}

/**
 * GET /v1/balance_transactions: the ledger statement of one currency, oldest first, with the
 * balance after each line; `cursor` is the previous page's `next_cursor` (opaque).
 */
export const balanceTransactionsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['currency'],
  properties: {
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 alphabetic code' },
    limit: limitSchema(100, 20),
    cursor: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' },
    'created[gte]': instantSchema,
    'created[lt]': instantSchema,
  },
} as const;

export interface BalanceTransactionsQuery {
  currency: string;
  limit?: string;
  cursor?: string;
  'created[gte]'?: string;
  'created[lt]'?: string;
}
