import { CURRENCIES } from '@tolem/money';

import {
  CASE_STATUS_NAME_LIST,
  type CaseStatusName,
  METHOD_NAME_LIST,
  PROVIDER_NAME_LIST,
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

/** The ISO 4217 codes Tolem knows (@tolem/money): the document lists them as an enum. */
export const CURRENCY_LIST = Object.keys(CURRENCIES);
const currencyCodeSchema = {
  type: 'string',
  enum: CURRENCY_LIST,
  description: 'ISO 4217 alphabetic code',
} as const;

/**
 * Absolute http(s) URLs only: a host name whose last label starts with a letter, or an IPv4
 * address, an optional port, then printable ASCII. Narrow enough that every string it allows
 * also parses as a URL (httpUrl in payment.mapper.ts): the document promises nothing the server
 * refuses (a numeric last label is read as IPv4 by URL parsers, and may not be one).
 */
export const URL_PATTERN =
  '^https?://(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?|(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3})(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?(?:[/?#][!-~]*)?$';
const urlSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  pattern: URL_PATTERN,
} as const;

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
      ...currencyCodeSchema,
      description: 'ISO 4217 code; omit it for a list of every currency the merchant holds',
    },
  },
} as const;

const methodSchema = { type: 'string', enum: METHOD_NAME_LIST } as const;

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
const limitSchema = (fallback: number) =>
  ({
    type: 'string',
    pattern: '^(100|[1-9][0-9]?)$',
    description: `1..100, default ${fallback}`,
  }) as const;

const idSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern } as const;

/** An RFC 3339 instant with its offset, e.g. 2026-12-01T10:00:00Z. */
const instantSchema = {
  type: 'string',
  maxLength: 40,
  pattern:
    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]' +
    '(\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$',
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

/** Integer minor units; beyond 2^53-1 a decimal string (never a rounded float). */
const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }],
} as const;
const nullableString = { type: ['string', 'null'] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$' } as const;

/**
 * The `livemode` of every response (objects, lists, balances, report rows), defined once so the
 * document says the same of it everywhere. A resource whose mode means more (a webhook endpoint's,
 * which also gets the other mode's events) passes its own description.
 */
export const livemodeSchema = (
  description = 'false: test mode, true: live mode. A test key (sk_test_…) makes and sees only test objects and figures, and its payments go through the provider sandbox only; a live key (sk_live_…) only live ones.',
) => ({ type: 'boolean', description }) as const;

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

/** caseToJson (case.mapper.ts). */
export const caseSchema = {
  $id: 'Case',
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['case_01jc3v7y0k8m3q2r5t6w7x8y9z'] },
    object: { const: 'case' },
    kind: {
      type: 'string',
      enum: [
        'duplicate_payment',
        'late_payment',
        'amount_mismatch',
        'amount_unknown',
        'unsettled_at_provider',
      ],
      description:
        '`duplicate_payment`: a second transfer for a paid payment; `late_payment`: money after the payment ' +
        'failed, expired or was canceled; `amount_mismatch`: another amount or currency; `amount_unknown`: ' +
        "the provider confirmed without an amount (`amount` is then the payment's, unconfirmed); " +
        '`unsettled_at_provider`: settled money no payment here matches.',
    },
    status: {
      type: 'string',
      enum: [...CASE_STATUS_NAME_LIST],
      description:
        '`opening`: the ledger has not acknowledged the hold yet; `open`: held in unapplied funds; ' +
        '`applied` / `returned`: resolved, final.',
    },
    reason: { type: 'string' },
    payment_id: { type: 'string' },
    merchant_id: { type: 'string' },
    payment_status: { type: 'string', description: "The payment's status when the case opened." },
    provider: { type: ['string', 'null'], enum: [...PROVIDER_NAME_LIST, null] },
    method: { type: ['string', 'null'], enum: [...METHOD_NAME_LIST, null] },
    provider_payment_id: {
      type: ['string', 'null'],
      description: "The provider's id of the money.",
    },
    amount: { ...minorSchema, description: 'What the provider moved, in minor units.' },
    currency: { type: 'string' },
    expected_amount: { ...minorSchema, description: 'What the payment asked for.' },
    expected_currency: { type: 'string' },
    callback_id: {
      type: ['string', 'null'],
      description: "The raw callback in provider-adapters' audit log (`cb_…`).",
    },
    provider_attributes: { type: 'object', additionalProperties: { type: 'string' } },
    return_reference: { type: ['string', 'null'] },
    created_at: { type: ['string', 'null'], format: 'date-time' },
    resolved_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const { $id: _caseId, ...caseBody } = caseSchema;

export const caseDetailSchema = {
  ...caseBody,
  $id: 'CaseDetail',
  properties: {
    ...caseSchema.properties,
    audit: {
      type: 'array',
      description: 'Opened, held, applied, returned: when, by whom, why; oldest first.',
      items: {
        type: 'object',
        properties: {
          at: { type: ['string', 'null'], format: 'date-time' },
          action: { type: 'string' },
          actor: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;

export const caseListSchema = {
  $id: 'CaseList',
  type: 'object',
  properties: {
    object: { const: 'list' },
    data: { type: 'array', items: { $ref: 'Case#' } },
    has_more: { type: 'boolean' },
    next_cursor: {
      type: ['string', 'null'],
      description: 'Pass as `cursor` for the next page; null on the last page.',
    },
  },
} as const;

/** Shared answer schemas, added to Fastify (and so to the document's components) by $id. */
export const ANSWER_SCHEMAS = [
  paymentSchema,
  paymentListSchema,
  paymentEventListSchema,
  balanceSchema,
  balanceListSchema,
  balanceTransactionListSchema,
  caseSchema,
  caseDetailSchema,
  caseListSchema,
];
