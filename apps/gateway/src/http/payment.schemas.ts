import { METHOD_NAME_LIST, STATUS_NAME_LIST } from './mappers/enums.mapper';
import {
  amountSchema,
  currencyCodeSchema,
  idSchema,
  instantSchema,
  limitSchema,
  livemodeSchema,
  minorSchema,
  nullableString,
  urlSchema,
} from './schemas';

/**
 * Request and response schemas of the merchant's payment and balance routes (`/v1/payments…`,
 * `/v1/balance`, `/v1/balance_transactions`; v1.route.ts). The answers are OpenAPI components,
 * added to Fastify by $id (PAYMENT_ANSWER_SCHEMAS).
 */

export const createPaymentBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: amountSchema,
    currency: currencyCodeSchema,
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
    customer_ref: {
      type: 'string',
      maxLength: 190,
      description:
        'Your reference of the customer (printable, at most 190 characters); a card the customer ' +
        'asks to remember on this payment is bound to it.',
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
  customer_ref?: string;
}

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
      ...currencyCodeSchema,
      description: 'ISO 4217 code; omit it for a list of every currency the merchant holds',
    },
  },
} as const;

const methodSchema = { type: 'string', enum: METHOD_NAME_LIST } as const;

/** Query strings are not coerced: numbers arrive as digits and the mappers check their range. */
/**
 * GET /v1/payments, Stripe style: newest first, `limit`, `starting_after` (older) or
 * `ending_before` (newer) a payment id, and filters. The created range is Stripe's bracket form,
 * an RFC 3339 instant each: `created[gte]` inclusive, `created[lt]` exclusive.
 */
export const listPaymentsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(10),
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
    currency: currencyCodeSchema,
    limit: limitSchema(20),
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

// ---------------------------------------------------------------- answers (OpenAPI components)

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$' } as const;

/** paymentToJson (payment.mapper.ts). */
export const paymentSchema = {
  $id: 'Payment',
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'livemode',
    'status',
    'amount',
    'currency',
    'order_id',
    'description',
    'payment_url',
    'method',
    'provider',
    'provider_payment_id',
    'provider_attributes',
    'fee',
    'amount_refunded',
    'failure_code',
    'available_methods',
    'success_url',
    'fail_url',
    'metadata',
    'customer_ref',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'string' },
    object: { const: 'payment' },
    livemode: livemodeSchema(),
    status: { type: 'string', enum: STATUS_NAME_LIST },
    amount: minorSchema,
    currency: currencySchema,
    order_id: nullableString,
    description: nullableString,
    payment_url: { type: 'string', description: 'The hosted page; carries its secret.' },
    method: { type: ['string', 'null'], enum: [...METHOD_NAME_LIST, null] },
    provider: nullableString,
    provider_payment_id: nullableString,
    provider_attributes: stringMap,
    fee: { anyOf: [...minorSchema.anyOf, { type: 'null' }] },
    amount_refunded: { ...minorSchema, description: 'Succeeded refunds, in minor units.' },
    failure_code: nullableString,
    available_methods: { type: 'array', items: methodSchema },
    success_url: nullableString,
    fail_url: nullableString,
    metadata: stringMap,
    customer_ref: { ...nullableString, description: 'Your reference of the customer, if given.' },
    created_at: nullableString,
    updated_at: nullableString,
  },
} as const;

const listOf = (id: string, item: object, extra: Record<string, object> = {}) =>
  ({
    $id: id,
    type: 'object',
    additionalProperties: false,
    required: ['object', 'url', 'has_more', 'data', ...Object.keys(extra)],
    properties: {
      object: { const: 'list' },
      url: { type: 'string' },
      has_more: { type: 'boolean' },
      data: { type: 'array', items: item },
      ...extra,
    },
  }) as const;

export const paymentListSchema = listOf('PaymentList', { $ref: 'Payment#' });

export const paymentEventListSchema = listOf('PaymentEventList', {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'sequence', 'type', 'from_status', 'to_status', 'reason', 'created_at'],
  properties: {
    object: { const: 'payment_event' },
    sequence: minorSchema,
    type: { type: 'string', description: '`payment.<status entered>`' },
    from_status: { type: ['string', 'null'], enum: [...STATUS_NAME_LIST, null] },
    to_status: { type: 'string', enum: STATUS_NAME_LIST },
    reason: { type: 'string' },
    created_at: nullableString,
  },
});

export const balanceSchema = {
  $id: 'Balance',
  type: 'object',
  additionalProperties: false,
  required: ['object', 'currency', 'available', 'pending', 'livemode'],
  properties: {
    object: { const: 'balance' },
    currency: currencySchema,
    available: minorSchema,
    pending: minorSchema,
    livemode: livemodeSchema(),
  },
} as const;

export const balanceListSchema = listOf(
  'BalanceList',
  { $ref: 'Balance#' },
  { livemode: livemodeSchema() },
);

export const balanceTransactionListSchema = listOf(
  'BalanceTransactionList',
  {
    type: 'object',
    additionalProperties: false,
    required: [
      'object',
      'id',
      'type',
      'payment_id',
      'amount',
      'balance_after',
      'currency',
      'created_at',
    ],
    properties: {
      object: { const: 'balance_transaction' },
      id: { type: 'string' },
      type: { type: 'string' },
      payment_id: nullableString,
      amount: minorSchema,
      balance_after: minorSchema,
      currency: currencySchema,
      created_at: nullableString,
    },
  },
  {
    currency: currencySchema,
    opening_balance: minorSchema,
    next_cursor: nullableString,
    livemode: livemodeSchema(),
  },
);

/** The answers above that are OpenAPI components, in the document's order. */
export const PAYMENT_ANSWER_SCHEMAS = [
  paymentSchema,
  paymentListSchema,
  paymentEventListSchema,
  balanceSchema,
  balanceListSchema,
  balanceTransactionListSchema,
];
