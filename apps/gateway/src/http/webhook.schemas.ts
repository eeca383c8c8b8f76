import { operation } from './openapi';
import {
  idPattern,
  instantSchema,
  limitSchema,
  livemodeSchema,
  nullableString,
  URL_PATTERN,
} from './schemas';

/**
 * Request and response schemas of the merchant's webhook routes (`/v1/webhook_endpoints…`,
 * `/v1/webhook_deliveries…`). Fastify validates requests with them and the OpenAPI document is
 * generated from the same objects.
 */

/** A webhook route's OpenAPI operation, under the `webhooks` tag. */
export const webhookOperation = (operationId: string, summary: string) =>
  operation(operationId, summary, { tags: ['webhooks'] });

export const FORMAT_NAMES = ['json', 'form'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export const ACK_NAMES = ['ok', 'OK', 'OK_ORDER', 'YES', 'CODE_0', 'ANY_2XX'] as const;
export type AckName = (typeof ACK_NAMES)[number];

/** `failed` is the notifier's `exhausted`: its retry window closed without an acknowledgement. */
export const DELIVERY_STATUS_NAMES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatusName = (typeof DELIVERY_STATUS_NAMES)[number];

// ---- Answers ----

export const endpointJsonSchema = {
  type: 'object',
  required: [
    'id',
    'object',
    'url',
    'event_types',
    'format',
    'ack',
    'status',
    'is_default',
    'livemode',
  ],
  properties: {
    id: { type: 'string', description: '`we_…`' },
    object: { type: 'string', enum: ['webhook_endpoint'] },
    url: { type: 'string' },
    description: { type: 'string' },
    event_types: { type: 'array', items: { type: 'string' } },
    format: {
      type: 'string',
      enum: FORMAT_NAMES,
      description: 'json, or form (application/x-www-form-urlencoded, flat keys).',
    },
    ack: {
      type: 'string',
      enum: ACK_NAMES,
      description:
        'What your answer must be to stop the retries: ok (default), OK, OK_ORDER (OK + your order id), YES, CODE_0 ({"code":0}), ANY_2XX.',
    },
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    disabled_reason: {
      type: ['string', 'null'],
      description: 'gone (answered 410), failing (3 days without success), merchant.',
    },
    disabled_at: nullableString,
    is_default: {
      type: 'boolean',
      description:
        "The onboarding endpoint: its URL and secret are the merchant's notification settings.",
    },
    livemode: livemodeSchema(
      "The mode of the key that made it: it gets only that mode's events, and only a key of that mode sees it. The onboarding endpoint is live and gets test events too.",
    ),
    max_in_flight: { type: 'integer' },
    previous_secret_expires_at: nullableString,
    created_at: nullableString,
    updated_at: nullableString,
  },
} as const;

export const endpointWithSecretSchema = {
  ...endpointJsonSchema,
  required: [...endpointJsonSchema.required, 'secret'],
  properties: {
    ...endpointJsonSchema.properties,
    secret: {
      type: 'string',
      description: '`whsec_…` Standard Webhooks signing secret. Shown in this answer only.',
    },
  },
} as const;

export const deletedEndpointSchema = {
  type: 'object',
  required: ['id', 'object', 'deleted'],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['webhook_endpoint'] },
    deleted: { type: 'boolean', enum: [true] },
    canceled_deliveries: { type: 'integer' },
  },
} as const;

export const recoveryJsonSchema = {
  type: 'object',
  required: ['object', 'endpoint', 'since', 'recovered'],
  properties: {
    object: { type: 'string', enum: ['webhook_recovery'] },
    endpoint: { type: 'string' },
    since: { type: 'string' },
    recovered: { type: 'integer' },
  },
} as const;

export const deliveryJsonSchema = {
  type: 'object',
  required: ['id', 'object', 'endpoint', 'event_id', 'event_type', 'payment', 'livemode', 'status'],
  properties: {
    id: { type: 'string', description: '`dlv_…`' },
    object: { type: 'string', enum: ['webhook_delivery'] },
    endpoint: { type: 'string' },
    event_id: { type: 'string', description: 'Also the `webhook-id` header.' },
    event_type: { type: 'string' },
    payment: { type: 'string' },
    livemode: livemodeSchema(),
    url: { type: 'string', description: 'The URL it was last sent to.' },
    status: { type: 'string', enum: DELIVERY_STATUS_NAMES },
    attempt_count: { type: 'integer' },
    last_status_code: { type: ['integer', 'null'] },
    last_error: nullableString,
    next_attempt_at: nullableString,
    delivered_at: nullableString,
    created_at: nullableString,
  },
} as const;

export const deliveryWithAttemptsSchema = {
  ...deliveryJsonSchema,
  properties: {
    ...deliveryJsonSchema.properties,
    attempts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          attempted_at: nullableString,
          url: { type: 'string' },
          status_code: { type: ['integer', 'null'] },
          error: nullableString,
          duration_ms: { type: 'integer' },
          response_excerpt: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The webhook lists: paged with `cursor` (the notifier's opaque token), not Stripe's ids. */
export const webhookListSchemaOf = (items: object) =>
  ({
    type: 'object',
    required: ['object', 'data', 'has_more', 'next_cursor', 'url'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items },
      has_more: { type: 'boolean' },
      next_cursor: {
        type: ['string', 'null'],
        description: 'Pass as `cursor` for the next page; null on the last page.',
      },
      url: { type: 'string' },
    },
  }) as const;

// ---- Requests ----

const eventTypesSchema = {
  type: 'array',
  maxItems: 32,
  items: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z_]+(\\.[a-z_]+)+$' },
  description:
    'Subscribed event types (see docs/webhooks.md); empty or absent: every type merchants are notified of.',
} as const;
const urlSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  pattern: URL_PATTERN,
  description:
    'http(s), without credentials. https for a live key (its events carry live payments), unless loopback.',
} as const;

export const createEndpointBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: urlSchema,
    description: { type: 'string', maxLength: 500 },
    event_types: eventTypesSchema,
    format: { type: 'string', enum: FORMAT_NAMES },
    ack: { type: 'string', enum: ACK_NAMES },
    max_in_flight: { type: 'integer', minimum: 1, maximum: 64 },
  },
} as const;

export interface CreateEndpointBody {
  url: string;
  description?: string;
  event_types?: string[];
  format?: FormatName;
  ack?: AckName;
  max_in_flight?: number;
}

export const updateEndpointBodySchema = {
  ...createEndpointBodySchema,
  required: [],
  minProperties: 1,
} as const;

export type UpdateEndpointBody = Partial<CreateEndpointBody>;

export const rotateSecretBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    overlap_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: 604_800,
      description: 'How long the old secret keeps signing too; 0 or absent: 24 hours.',
    },
  },
} as const;

export type RotateSecretBody = { overlap_seconds?: number } | null;

export const recoverBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['since'],
  properties: {
    since: {
      // The same RFC 3339 instant as GET /v1/payments' created[gte].
      ...instantSchema,
      description:
        'Failed deliveries created at or after this RFC 3339 instant are sent again; not in the future.',
    },
  },
} as const;

export interface RecoverBody {
  since: string;
}

export const listDeliveriesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    status: { type: 'string', enum: DELIVERY_STATUS_NAMES },
    limit: limitSchema(50),
    cursor: { type: 'string', minLength: 1, maxLength: 200, pattern: idPattern },
  },
} as const;

export interface ListDeliveriesQuery {
  endpoint?: string;
  payment?: string;
  status?: DeliveryStatusName;
  limit?: string;
  cursor?: string;
}
