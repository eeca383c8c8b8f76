import { amountSchema, limitSchema, livemodeSchema } from './schemas';

/**
 * Request and response schemas of the QR routes (`/v1/qr_codes…` and the payer banks'
 * `/qr/v1/details`). Fastify validates requests with them and the OpenAPI document is generated
 * from the same objects. They check shapes only: whether a description fits the ELQR comment,
 * or an expiry is within checkout's bounds, is qr-platform's and checkout's to decide (one owner
 * per fact), and they answer with their own stable codes (QR_FIELD_TOO_LONG, …).
 */

export const QR_KIND_NAMES = ['static', 'dynamic'] as const;
export type QrKindName = (typeof QR_KIND_NAMES)[number];
export const QR_STATUS_NAMES = ['active', 'paid', 'expired', 'canceled'] as const;
export type QrStatusName = (typeof QR_STATUS_NAMES)[number];
/** ELQR carries the Kyrgyz som only (ID 53 = 417). */
export const QR_CURRENCIES = ['KGS'] as const;

const idSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
} as const;
const INSTANT_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]' +
  '(\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';
const metadataSchema = {
  type: 'object',
  maxProperties: 50,
  propertyNames: { minLength: 1, maxLength: 40 },
  additionalProperties: { type: 'string', maxLength: 500 },
} as const;
const descriptionSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description:
    'Shown to the payer by their bank; qr-platform refuses what the ELQR comment cannot carry ' +
    '(QR_FIELD_TOO_LONG with `details.max_length`, QR_FIELD_INVALID_CHARACTERS).',
} as const;

const staticBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { type: 'string', const: 'static' },
    description: descriptionSchema,
    label: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'The cash desk or terminal it is printed for (shown on the sticker).',
    },
  },
} as const;

const dynamicBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'amount', 'currency'],
  properties: {
    kind: { type: 'string', const: 'dynamic' },
    amount: amountSchema,
    currency: { type: 'string', enum: QR_CURRENCIES, description: 'ELQR carries KGS only.' },
    order_id: { type: 'string', maxLength: 255 },
    description: descriptionSchema,
    expires_at: {
      type: 'string',
      maxLength: 40,
      pattern: INSTANT_PATTERN,
      description:
        'RFC 3339 instant the code stops being payable: 1 minute to 30 days ahead. Send this or `expires_in`; without either the payment’s default lifetime applies.',
    },
    expires_in: {
      type: 'integer',
      minimum: 60,
      maximum: 2_592_000,
      description: 'Seconds from now the code stops being payable (60..2592000).',
    },
    metadata: metadataSchema,
  },
} as const;

/**
 * POST /v1/qr_codes. `if`/`then`/`else` rather than `oneOf`, so a refusal names the field of the
 * kind that was sent: `kind: static` takes description and label, `kind: dynamic` the order's
 * fields; a missing or unknown kind is refused naming `kind`.
 */
export const createQrCodeBodySchema = {
  type: 'object',
  required: ['kind'],
  description:
    '`{kind: "static", description, label}` or `{kind: "dynamic", amount, currency, order_id, description, expires_at | expires_in, metadata}`.',
  if: { properties: { kind: { const: 'static' } } },
  then: staticBodySchema,
  else: {
    if: { properties: { kind: { const: 'dynamic' } } },
    then: dynamicBodySchema,
    else: { properties: { kind: { type: 'string', enum: QR_KIND_NAMES } } },
  },
} as const;

export interface CreateQrCodeBody {
  kind: QrKindName;
  amount?: unknown;
  currency?: string;
  order_id?: string;
  description?: string;
  label?: string;
  expires_at?: string;
  expires_in?: number;
  metadata?: Record<string, string>;
}

/** GET /v1/qr_codes: newest first, `starting_after` a `qr_…` id (older), optional kind. */
export const listQrCodesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(10),
    starting_after: { ...idSchema, description: 'The last id of the previous page (older).' },
    kind: { type: 'string', enum: QR_KIND_NAMES },
  },
} as const;

export interface ListQrCodesQuery {
  limit?: string;
  starting_after?: string;
  kind?: QrKindName;
}

/** GET /v1/qr_codes/{id}/payments: newest first, `starting_after` a `pay_…` id. */
export const listQrPaymentsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(10),
    starting_after: { ...idSchema, description: 'The last payment id of the previous page.' },
  },
} as const;

export interface ListQrPaymentsQuery {
  limit?: string;
  starting_after?: string;
}

/** GET /qr/v1/details: the scanned payload, or the payment link it came as. */
export const qrDetailsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['payload'],
  properties: {
    payload: {
      type: 'string',
      minLength: 1,
      maxLength: 2048,
      description:
        'The ELQR payload text as scanned, or the payment link (everything up to `#` is dropped), URL-encoded.',
    },
  },
} as const;

export interface QrDetailsQuery {
  payload: string;
}

const nullableString = { type: ['string', 'null'] } as const;
const nullableTime = {
  type: ['string', 'null'],
  description: 'ISO 8601 time, e.g. 2026-12-01T10:00:00.000Z.',
} as const;
const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }],
  description: 'Integer minor units (tyiyn); a decimal string beyond 2^53-1.',
} as const;

export const qrCodeJsonSchema = {
  type: 'object',
  required: [
    'id',
    'object',
    'kind',
    'status',
    'amount',
    'currency',
    'description',
    'label',
    'payload',
    'link',
    'payment_id',
    'expires_at',
    'livemode',
    'created',
  ],
  properties: {
    id: { type: 'string', description: '`qr_…`' },
    object: { type: 'string', enum: ['qr_code'] },
    kind: { type: 'string', enum: QR_KIND_NAMES },
    status: {
      type: 'string',
      enum: QR_STATUS_NAMES,
      description: 'A static code is always active; a dynamic one becomes paid or expired.',
    },
    amount: {
      anyOf: [minorSchema, { type: 'null' }],
      description: 'Dynamic codes: integer minor units; static codes: null (the payer enters it).',
    },
    currency: { type: 'string', enum: QR_CURRENCIES },
    description: nullableString,
    label: nullableString,
    payload: { type: 'string', description: 'The ELQR text the QR image encodes.' },
    link: { type: 'string', description: 'The payment link (opens the payer’s bank app).' },
    payment_id: { ...nullableString, description: 'Dynamic codes: the payment (`pay_…`).' },
    expires_at: nullableTime,
    livemode: livemodeSchema(),
    created: nullableTime,
  },
} as const;

export const qrPaymentJsonSchema = {
  type: 'object',
  required: [
    'object',
    'qr_code_id',
    'payment_id',
    'status',
    'amount',
    'currency',
    'payer_bank',
    'updated',
  ],
  properties: {
    object: { type: 'string', enum: ['qr_payment'] },
    qr_code_id: { type: 'string' },
    payment_id: { type: 'string' },
    status: {
      type: 'string',
      description:
        'The payment’s status: pending, succeeded, failed, expired, canceled, requires_review, partially_refunded, refunded.',
    },
    amount: minorSchema,
    currency: { type: 'string' },
    payer_bank: { ...nullableString, description: 'The payer’s bank, once it confirmed.' },
    updated: nullableTime,
  },
} as const;

export const qrDetailsJsonSchema = {
  type: 'object',
  required: [
    'object',
    'qr_code_id',
    'kind',
    'status',
    'merchant_name',
    'amount',
    'currency',
    'description',
    'label',
    'expires_at',
    'visible_fields',
  ],
  properties: {
    object: { type: 'string', enum: ['qr_details'] },
    qr_code_id: { type: 'string' },
    kind: { type: 'string', enum: QR_KIND_NAMES },
    status: {
      type: 'string',
      enum: QR_STATUS_NAMES,
      description: 'Only an active code can be paid: refuse the others.',
    },
    merchant_name: { type: 'string' },
    amount: { anyOf: [minorSchema, { type: 'null' }] },
    currency: { type: 'string', enum: QR_CURRENCIES },
    description: nullableString,
    label: nullableString,
    expires_at: nullableTime,
    visible_fields: {
      type: 'array',
      description: 'The ELQR additional fields (IDs 35–39) marked visible to the payer.',
      items: {
        type: 'object',
        required: ['key', 'label', 'value', 'title'],
        properties: {
          key: { type: 'string' },
          label: { type: 'string' },
          value: { type: 'string' },
          title: { type: 'string' },
        },
      },
    },
  },
} as const;

/** A Stripe list of `item`. */
export function qrListSchemaOf(item: object): Record<string, unknown> {
  return {
    type: 'object',
    required: ['object', 'url', 'has_more', 'data'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      url: { type: 'string' },
      has_more: { type: 'boolean' },
      data: { type: 'array', items: item },
    },
  };
}
