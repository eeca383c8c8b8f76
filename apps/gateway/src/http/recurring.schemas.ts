import { amountSchema, CURRENCY_LIST, limitSchema, livemodeSchema } from './schemas';

/**
 * Request and response schemas of the recurring routes (`/v1/card_bindings`,
 * `/v1/recurring_operations`, `/v1/receipts`). Fastify validates requests with them and the
 * OpenAPI document is generated from the same objects. They check shapes only: whether a cron
 * expression parses, a time zone exists or a binding can be charged is the recurring service's
 * to decide (one owner per fact), and it answers with its own stable codes.
 */

export const BINDING_STATE_NAMES = ['activated', 'error', 'revoked'] as const;
export type BindingStateName = (typeof BINDING_STATE_NAMES)[number];
export const OPERATION_STATE_NAMES = ['active', 'paused', 'canceled', 'completed'] as const;
export type OperationStateName = (typeof OPERATION_STATE_NAMES)[number];
export const CHARGE_STATE_NAMES = [
  'pending',
  'retrying',
  'succeeded',
  'abandoned',
  'failed',
  'skipped',
] as const;
export type ChargeStateName = (typeof CHARGE_STATE_NAMES)[number];
export const INTERVAL_NAMES = ['daily', 'weekly', 'monthly'] as const;
export type IntervalName = (typeof INTERVAL_NAMES)[number];
export const RECEIPT_STATUS_NAMES = ['pending', 'succeeded', 'canceled'] as const;

const idPattern = '^[A-Za-z0-9_-]+$';
const idSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern } as const;
const currencyCodeSchema = {
  type: 'string',
  enum: CURRENCY_LIST,
  description: 'ISO 4217 alphabetic code',
} as const;
const INSTANT_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]' +
  '(\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';
/** An RFC 3339 instant with its offset, as GET /v1/payments' created[gte]. */
const instantSchema = { type: 'string', maxLength: 40, pattern: INSTANT_PATTERN } as const;
/** Query strings are not coerced: digits here, the range is checked by the mapper. */
const customerRefSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description: "Your reference of the customer (POST /v1/payments' customer_ref).",
} as const;
const metadataSchema = {
  type: 'object',
  maxProperties: 50,
  propertyNames: { minLength: 1, maxLength: 40 },
  additionalProperties: { type: 'string', maxLength: 500 },
} as const;

const timeZoneSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
  description: 'IANA time zone the schedule is read in, e.g. `Asia/Bishkek`.',
} as const;

const cronScheduleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cron', 'time_zone'],
  properties: {
    cron: {
      type: 'string',
      maxLength: 120,
      pattern: '^\\S+( +\\S+){4}$',
      description:
        'Five fields: minute hour day-of-month month day-of-week, e.g. `0 9 1 * *` (09:00 on the 1st).',
    },
    time_zone: timeZoneSchema,
  },
} as const;

const intervalScheduleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['interval', 'time_zone'],
  properties: {
    interval: { type: 'string', enum: INTERVAL_NAMES },
    day: {
      type: 'integer',
      minimum: 1,
      maximum: 31,
      description:
        'weekly: ISO day of week, 1 (Monday)..7; monthly: day of month 1..31 (a shorter month ' +
        'charges on its last day); daily: omit it.',
    },
    time_of_day: {
      type: 'string',
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      description: 'Local time `HH:MM`; default `00:00`.',
    },
    time_zone: timeZoneSchema,
  },
} as const;

/**
 * A cron expression, or an interval on a day. `if`/`then`/`else` rather than `anyOf`, so a
 * refusal names the field of the kind of schedule that was sent: an object with `cron` is a cron
 * schedule (and takes nothing else but `time_zone`), any other is an interval schedule.
 */
const scheduleSchema = {
  type: 'object',
  description:
    'When it charges: `{cron, time_zone}` or `{interval: daily|weekly|monthly, day, time_of_day, time_zone}`.',
  if: { required: ['cron'] },
  then: cronScheduleSchema,
  else: intervalScheduleSchema,
} as const;

export interface ScheduleBody {
  cron?: string;
  interval?: IntervalName;
  day?: number;
  time_of_day?: string;
  time_zone: string;
}

const receiptCustomerSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'Who the receipt of each charge goes to (54-FZ): an email or a phone, at least one. Replaced as a whole on edit.',
  properties: {
    email: {
      type: 'string',
      maxLength: 254,
      pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    },
    phone: {
      type: 'string',
      pattern: '^[1-9][0-9]{6,14}$',
      description: 'E.164 digits without `+`, e.g. `996555123456`. Never logged.',
    },
    full_name: { type: 'string', minLength: 1, maxLength: 256 },
    inn: {
      type: 'string',
      pattern: '^([0-9]{10}|[0-9]{12})$',
      description: "The customer's taxpayer number (INN), 10 or 12 digits.",
    },
  },
} as const;

export interface ReceiptCustomerBody {
  email?: string;
  phone?: string;
  full_name?: string;
  inn?: string;
}

const operationFields = {
  amount: amountSchema,
  currency: {
    ...currencyCodeSchema,
    description: "The binding's currency (charges are made in it).",
  },
  description: {
    type: 'string',
    minLength: 1,
    maxLength: 128,
    description: "The receipt's line and each charge payment's description.",
  },
  schedule: scheduleSchema,
  starts_at: {
    ...instantSchema,
    description: 'The first charge is the first occurrence at or after it; default: now.',
  },
  fire_on_skip: {
    type: 'boolean',
    description:
      'After downtime, charge every missed occurrence (true) or only the latest (false, default).',
  },
  receipt_customer: receiptCustomerSchema,
  metadata: metadataSchema,
} as const;

/** POST /v1/recurring_operations. */
export const createOperationBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['binding', 'amount', 'currency', 'description', 'schedule'],
  properties: {
    binding: { ...idSchema, description: 'An activated card binding, `cbd_…`.' },
    ...operationFields,
    ends_at: { ...instantSchema, description: 'No charge is scheduled after it; default: none.' },
  },
} as const;

export interface CreateOperationBody {
  binding: string;
  amount: unknown;
  currency: string;
  description: string;
  schedule: ScheduleBody;
  starts_at?: string;
  ends_at?: string;
  fire_on_skip?: boolean;
  receipt_customer?: ReceiptCustomerBody;
  metadata?: Record<string, string>;
}

/** POST /v1/recurring_operations/{id}: what is sent changes, the rest stays; future charges only. */
export const updateOperationBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...operationFields,
    amount: { ...amountSchema, description: `${amountSchema.description} Send with currency.` },
    ends_at: {
      type: ['string', 'null'],
      maxLength: 40,
      pattern: INSTANT_PATTERN,
      description: 'null removes the end date.',
    },
    metadata: { ...metadataSchema, description: 'Keys are added or replaced.' },
  },
} as const;

export interface UpdateOperationBody {
  amount?: unknown;
  currency?: string;
  description?: string;
  schedule?: ScheduleBody;
  starts_at?: string;
  ends_at?: string | null;
  fire_on_skip?: boolean;
  receipt_customer?: ReceiptCustomerBody;
  metadata?: Record<string, string>;
}

/** pause / resume / cancel / revoke: nothing to send (an empty object is fine). */
export const emptyBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {},
} as const;

const pageQuery = {
  limit: limitSchema(10),
  starting_after: { ...idSchema, description: 'The last id of the previous page (older).' },
  ending_before: { ...idSchema, description: 'The first id of the previous page (newer).' },
} as const;

export interface PageQuery {
  limit?: string;
  starting_after?: string;
  ending_before?: string;
}

export const listBindingsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuery,
    customer_ref: customerRefSchema,
    state: { type: 'string', enum: BINDING_STATE_NAMES },
  },
} as const;

export interface ListBindingsQuery extends PageQuery {
  customer_ref?: string;
  state?: BindingStateName;
}

export const listOperationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuery,
    binding: idSchema,
    state: { type: 'string', enum: OPERATION_STATE_NAMES },
    customer_ref: customerRefSchema,
    'next_charge_at[gte]': { ...instantSchema, description: 'Next charge at or after.' },
    'next_charge_at[lt]': { ...instantSchema, description: 'Next charge before.' },
  },
} as const;

export interface ListOperationsQuery extends PageQuery {
  binding?: string;
  state?: OperationStateName;
  customer_ref?: string;
  'next_charge_at[gte]'?: string;
  'next_charge_at[lt]'?: string;
}

export const listChargesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuery, state: { type: 'string', enum: CHARGE_STATE_NAMES } },
} as const;

export interface ListChargesQuery extends PageQuery {
  state?: ChargeStateName;
}

export const listReceiptsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuery,
    operation: idSchema,
    payment: idSchema,
    status: { type: 'string', enum: RECEIPT_STATUS_NAMES },
  },
} as const;

export interface ListReceiptsQuery extends PageQuery {
  operation?: string;
  payment?: string;
  status?: string;
}

// ---------------------------------------------------------------- answers

const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }],
  description: 'Integer minor units; a decimal string above 2^53-1.',
} as const;
const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const timestamp = { type: ['string', 'null'], description: 'RFC 3339, UTC.' } as const;

export const bindingJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'livemode',
    'state',
    'payment',
    'customer_ref',
    'card_last4',
    'card_expiry',
    'amount',
    'currency',
    'failure_message',
    'revoked_at',
    'created_at',
  ],
  properties: {
    id: { type: 'string', description: '`cbd_…`' },
    object: { const: 'card_binding' },
    livemode: livemodeSchema(),
    state: {
      type: 'string',
      enum: BINDING_STATE_NAMES,
      description:
        'activated: can be charged; error: the provider could not bind the card (see failure_message); revoked: by you.',
    },
    payment: { type: 'string', description: 'The first payment, whose card was bound.' },
    customer_ref: nullableString,
    card_last4: nullableString,
    card_expiry: { type: ['string', 'null'], description: '`MM/YY` when the provider told it.' },
    amount: {
      anyOf: [...minorSchema.anyOf, { type: 'null' }],
      description: "The first payment's amount, minor units.",
    },
    currency: {
      type: ['string', 'null'],
      pattern: '^[A-Z]{3}$',
      description: 'Charges on this binding are in it.',
    },
    failure_message: nullableString,
    revoked_at: timestamp,
    created_at: timestamp,
  },
} as const;

export const revokedBindingJsonSchema = {
  ...bindingJsonSchema,
  required: [...bindingJsonSchema.required, 'canceled_operations'],
  properties: {
    ...bindingJsonSchema.properties,
    canceled_operations: {
      type: 'array',
      items: { type: 'string' },
      description: 'Operations this revocation canceled (`recurring.operation.canceled`).',
    },
  },
} as const;

const scheduleJsonSchema = {
  anyOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['cron', 'time_zone'],
      properties: { cron: { type: 'string' }, time_zone: { type: 'string' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['interval', 'day', 'time_of_day', 'time_zone'],
      properties: {
        interval: { type: 'string', enum: INTERVAL_NAMES },
        day: { type: ['integer', 'null'] },
        time_of_day: { type: 'string' },
        time_zone: { type: 'string' },
      },
    },
    { type: 'null' },
  ],
} as const;

const receiptCustomerJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'phone', 'full_name', 'inn'],
  properties: {
    email: nullableString,
    phone: nullableString,
    full_name: nullableString,
    inn: nullableString,
  },
} as const;

export const operationJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'livemode',
    'binding',
    'customer_ref',
    'amount',
    'currency',
    'description',
    'schedule',
    'starts_at',
    'ends_at',
    'state',
    'next_charge_at',
    'fire_on_skip',
    'receipt_customer',
    'cancel_reason',
    'cancel_code',
    'metadata',
    'version',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'string', description: '`sop_…`' },
    object: { const: 'recurring_operation' },
    livemode: livemodeSchema(),
    binding: { type: 'string' },
    customer_ref: nullableString,
    amount: minorSchema,
    currency: currencySchema,
    description: { type: 'string' },
    schedule: scheduleJsonSchema,
    starts_at: timestamp,
    ends_at: timestamp,
    state: {
      type: 'string',
      enum: OPERATION_STATE_NAMES,
      description: 'completed: past its end date, nothing more to charge.',
    },
    next_charge_at: { ...timestamp, description: 'null when no charge is coming.' },
    fire_on_skip: { type: 'boolean' },
    receipt_customer: { anyOf: [receiptCustomerJsonSchema, { type: 'null' }] },
    cancel_reason: {
      type: ['string', 'null'],
      description: '`merchant`, `binding_revoked`, or `hard_decline` (with cancel_code).',
    },
    cancel_code: {
      type: ['string', 'null'],
      description: "The card scheme's decline code that canceled it, e.g. `54`.",
    },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    version: { type: 'integer', description: 'Grows with every edit.' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;

export const chargeJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'operation',
    'scheduled_at',
    'state',
    'amount',
    'currency',
    'attempts',
    'next_attempt_at',
    'payment',
    'receipt',
    'operation_version',
  ],
  properties: {
    id: { type: 'string', description: '`chg_…`' },
    object: { const: 'recurring_charge' },
    operation: { type: 'string' },
    scheduled_at: { ...timestamp, description: 'The occurrence this charge is for.' },
    state: {
      type: 'string',
      enum: CHARGE_STATE_NAMES,
      description:
        'retrying: a soft decline, tried again at next_attempt_at; abandoned: 4 failed attempts or ' +
        '16 days; failed: a hard decline (the operation was canceled); skipped: missed while down or paused.',
    },
    amount: minorSchema,
    currency: currencySchema,
    attempts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'number',
          'payment',
          'attempted_at',
          'outcome',
          'decline_code',
          'decline_kind',
          'reason_code',
        ],
        properties: {
          number: { type: 'integer' },
          payment: { type: 'string', description: 'The payment this attempt made.' },
          attempted_at: timestamp,
          outcome: { type: 'string', description: '`succeeded`, `failed` or `pending`.' },
          decline_code: {
            type: ['string', 'null'],
            description: "The card scheme's response code, e.g. `51`.",
          },
          decline_kind: { type: ['string', 'null'], description: '`soft`, `hard` or `unknown`.' },
          reason_code: nullableString,
        },
      },
    },
    next_attempt_at: timestamp,
    payment: { type: ['string', 'null'], description: 'succeeded: the payment that paid it.' },
    receipt: { type: ['string', 'null'], description: 'succeeded: its receipt, `rct_…`.' },
    operation_version: { type: 'integer' },
  },
} as const;

export const receiptJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'livemode',
    'type',
    'status',
    'payment',
    'operation',
    'charge',
    'customer',
    'items',
    'settlements',
    'tax_system_code',
    'fiscal_document_number',
    'fiscal_storage_number',
    'fiscal_attribute',
    'registered_at',
    'register_receipt_id',
    'send_attempts',
    'last_error',
    'created_at',
  ],
  properties: {
    id: { type: 'string', description: '`rct_…`' },
    object: { const: 'receipt' },
    livemode: livemodeSchema(),
    type: { type: 'string', description: '`payment` (a sale).' },
    status: {
      type: 'string',
      description:
        '`pending` (not accepted by the cash register yet), `succeeded` (registered), `canceled`.',
    },
    payment: { type: 'string' },
    operation: nullableString,
    charge: nullableString,
    customer: { anyOf: [receiptCustomerJsonSchema, { type: 'null' }] },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'description',
          'quantity',
          'amount',
          'currency',
          'vat_code',
          'payment_subject',
          'payment_mode',
        ],
        properties: {
          description: { type: 'string' },
          quantity: { type: 'string', description: 'Decimal, e.g. `1`.' },
          amount: { ...minorSchema, description: 'The line total (price x quantity).' },
          currency: currencySchema,
          vat_code: {
            type: 'integer',
            description:
              "YooKassa's vat_code: 1 none, 2 0%, 3 10%, 4 20%, 5 10/110, 6 20/120, 7 5%, 8 7%, " +
              '9 5/105, 10 7/107, 11 22%, 12 22/122.',
          },
          payment_subject: { type: 'string' },
          payment_mode: { type: 'string' },
        },
      },
    },
    settlements: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'amount', 'currency'],
        properties: {
          type: { const: 'cashless' },
          amount: minorSchema,
          currency: currencySchema,
        },
      },
    },
    tax_system_code: {
      type: ['integer', 'null'],
      description: '1..6; null: the cash register default.',
    },
    fiscal_document_number: nullableString,
    fiscal_storage_number: nullableString,
    fiscal_attribute: nullableString,
    registered_at: timestamp,
    register_receipt_id: nullableString,
    send_attempts: { type: 'integer' },
    last_error: nullableString,
    created_at: timestamp,
  },
} as const;

/** A Stripe list of `item`: newest first, paged with starting_after / ending_before. */
export const listSchemaOf = (item: object) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['object', 'url', 'has_more', 'data'],
    properties: {
      object: { const: 'list' },
      url: { type: 'string' },
      has_more: { type: 'boolean' },
      data: { type: 'array', items: item },
    },
  }) as const;
