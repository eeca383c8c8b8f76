import {
  AckMode,
  BodyFormat,
  type Delivery,
  type DeliveryAttempt,
  DeliveryStatus,
  EndpointStatus,
  type NotifierServiceClient,
  type WebhookEndpoint,
} from '@tolem/contracts/notifier';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { gatewayErrors } from '../errors';
import { requiredIdempotencyKey, requireIdempotencyKeyFirst } from '../headers';
import { instantFrom } from '../mappers/payment.mapper';
import { operation as openApiOperation } from '../openapi';
import { idParamsSchema, livemodeSchema, URL_PATTERN } from '../schemas';

/** The notifier's management RPCs, as the gateway uses them. */
export type WebhooksClient = Pick<
  PromiseClient<NotifierServiceClient>,
  | 'createEndpoint'
  | 'getEndpoint'
  | 'listEndpoints'
  | 'updateEndpoint'
  | 'deleteEndpoint'
  | 'enableEndpoint'
  | 'disableEndpoint'
  | 'rotateEndpointSecret'
  | 'recoverEndpoint'
  | 'listDeliveries'
  | 'getDelivery'
  | 'redeliverDelivery'
>;

export interface WebhookRouteDeps {
  authenticate: ApiKeyAuthenticator;
  webhooks: WebhooksClient;
}

// ---- Wire names <-> proto enums ----

const FORMAT_NAMES = ['json', 'form'] as const;
type FormatName = (typeof FORMAT_NAMES)[number];
const FORMATS: Record<FormatName, BodyFormat> = {
  json: BodyFormat.BODY_FORMAT_JSON,
  form: BodyFormat.BODY_FORMAT_FORM,
};

const ACK_NAMES = ['ok', 'OK', 'OK_ORDER', 'YES', 'CODE_0', 'ANY_2XX'] as const;
type AckName = (typeof ACK_NAMES)[number];
const ACKS: Record<AckName, AckMode> = {
  ok: AckMode.ACK_MODE_OK_LOWER,
  OK: AckMode.ACK_MODE_OK_UPPER,
  OK_ORDER: AckMode.ACK_MODE_OK_ORDER,
  YES: AckMode.ACK_MODE_YES,
  CODE_0: AckMode.ACK_MODE_CODE_0,
  ANY_2XX: AckMode.ACK_MODE_ANY_2XX,
};

/** `failed` is the notifier's `exhausted`: its retry window closed without an acknowledgement. */
const DELIVERY_STATUS_NAMES = ['pending', 'delivered', 'failed'] as const;
type DeliveryStatusName = (typeof DELIVERY_STATUS_NAMES)[number];
const DELIVERY_STATUSES: Record<DeliveryStatusName, DeliveryStatus> = {
  pending: DeliveryStatus.DELIVERY_STATUS_PENDING,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  failed: DeliveryStatus.DELIVERY_STATUS_EXHAUSTED,
};

const nameOf = <N extends string, V>(table: Record<N, V>, value: V): N | null =>
  (Object.entries(table) as [N, V][]).find(([, v]) => v === value)?.[0] ?? null;

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

// ---- JSON shapes ----

export function endpointToJson(e: WebhookEndpoint | undefined) {
  if (!e) throw gatewayErrors.create('INTERNAL', 'peer answer lacks endpoint');
  return {
    id: e.id,
    object: 'webhook_endpoint' as const,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    format: nameOf(FORMATS, e.format) ?? 'json',
    ack: nameOf(ACKS, e.ack) ?? 'ok',
    status: e.status === EndpointStatus.ENDPOINT_STATUS_DISABLED ? 'disabled' : 'enabled',
    disabled_reason: e.disabledReason === '' ? null : e.disabledReason,
    disabled_at: iso(e.disabledAt),
    is_default: e.isDefault,
    livemode: e.livemode,
    max_in_flight: e.maxInFlight,
    previous_secret_expires_at: iso(e.previousSecretExpiresAt),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function deliveryToJson(d: Delivery | undefined) {
  if (!d) throw gatewayErrors.create('INTERNAL', 'peer answer lacks delivery');
  return {
    id: d.id,
    object: 'webhook_delivery' as const,
    endpoint: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    payment: d.paymentId,
    livemode: d.livemode,
    url: d.url,
    status: nameOf(DELIVERY_STATUSES, d.status) ?? 'pending',
    attempt_count: d.attempts,
    last_status_code: d.lastStatusCode === 0 ? null : d.lastStatusCode,
    last_error: d.lastError === '' ? null : d.lastError,
    next_attempt_at: iso(d.nextAttemptAt),
    delivered_at: iso(d.deliveredAt),
    created_at: iso(d.createdAt),
  };
}

function attemptToJson(a: DeliveryAttempt) {
  return {
    attempted_at: iso(a.attemptedAt),
    url: a.url,
    status_code: a.statusCode === 0 ? null : a.statusCode,
    error: a.error === '' ? null : a.error,
    duration_ms: a.durationMs,
    response_excerpt: a.responseExcerpt,
  };
}

// ---- Schemas: request validation and the responses OpenAPI documents ----

const nullableString = { type: ['string', 'null'] } as const;
const eventTypesSchema = {
  type: 'array',
  maxItems: 32,
  items: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z_]+(\\.[a-z_]+)+$' },
  description:
    'Subscribed event types (see docs/webhooks.md); empty or absent: every type merchants are notified of.',
} as const;
const urlSchema = { type: 'string', minLength: 1, maxLength: 2048, pattern: URL_PATTERN } as const;

const endpointJsonSchema = {
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

const endpointWithSecretSchema = {
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

const deliveryJsonSchema = {
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

const deliveryWithAttemptsSchema = {
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

const listOf = (items: object) =>
  ({
    type: 'object',
    required: ['object', 'data', 'has_more', 'url'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items },
      has_more: { type: 'boolean' },
      next_page: { type: ['string', 'null'], description: 'Pass as `page` for the next page.' },
      url: { type: 'string' },
    },
  }) as const;

const createBodySchema = {
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

interface CreateBody {
  url: string;
  description?: string;
  event_types?: string[];
  format?: FormatName;
  ack?: AckName;
  max_in_flight?: number;
}

const updateBodySchema = {
  ...createBodySchema,
  required: [],
  minProperties: 1,
} as const;

type UpdateBody = Partial<CreateBody>;

const rotateBodySchema = {
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

const recoverBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['since'],
  properties: {
    since: {
      // The same RFC 3339 instant as GET /v1/payments' created[gte].
      type: 'string',
      maxLength: 40,
      pattern:
        '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]' +
        '(\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$',
      description:
        'Failed deliveries created at or after this RFC 3339 instant are sent again; not in the future.',
    },
  },
} as const;

const idPattern = '^[A-Za-z0-9_-]+$';
const listDeliveriesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    status: { type: 'string', enum: DELIVERY_STATUS_NAMES },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1..100, default 50' },
    page: { type: 'string', minLength: 1, maxLength: 200, pattern: idPattern },
  },
} as const;

interface ListDeliveriesQuery {
  endpoint?: string;
  payment?: string;
  status?: DeliveryStatusName;
  limit?: string;
  page?: string;
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

const operation = (operationId: string, summary: string) =>
  openApiOperation(operationId, summary, { tags: ['webhooks'] });

/**
 * The merchant's webhook endpoints and deliveries (`/v1/webhook_endpoints`,
 * `/v1/webhook_deliveries`). Every call names the authenticated merchant to the notifier, which
 * answers not-found for another merchant's ids. Answers with a signing secret are never kept in the
 * idempotency store: a create retried with the same key gets its endpoint (and secret) from the
 * notifier itself.
 */
export function webhookRoutes(deps: WebhookRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);
    const w = deps.webhooks;
    // The key's mode scopes every call: a test key never sees or changes a live endpoint.
    const ref = (request: FastifyRequest<{ Params: { id: string } }>) => ({
      merchantId: merchantIdOf(request),
      endpointId: request.params.id,
      livemode: livemodeOf(request),
    });

    app.post<{ Body: CreateBody }>(
      '/v1/webhook_endpoints',
      {
        // Its answer carries the secret, shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          ...operation(
            'createWebhookEndpoint',
            'Add an endpoint; its secret is in this answer only',
          ),
          body: createBodySchema,
          response: { 200: endpointWithSecretSchema, 201: endpointWithSecretSchema },
        },
        // Before the body is parsed: a retry-unsafe request is refused whatever its body.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const b = request.body;
        const res = await w.createEndpoint(
          {
            merchantId: merchantIdOf(request),
            url: b.url,
            description: b.description ?? '',
            eventTypes: b.event_types ?? [],
            format: b.format ? FORMATS[b.format] : BodyFormat.BODY_FORMAT_UNSPECIFIED,
            ack: b.ack ? ACKS[b.ack] : AckMode.ACK_MODE_UNSPECIFIED,
            maxInFlight: b.max_in_flight ?? 0,
            idempotencyKey: requiredIdempotencyKey(request.headers),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        const json = { ...endpointToJson(res.endpoint), secret: res.signingSecret };
        if (res.replayed) return reply.code(200).header('idempotent-replayed', 'true').send(json);
        request.log.info({ endpointId: json.id }, 'webhook endpoint created');
        return reply
          .code(201)
          .header('location', `/v1/webhook_endpoints/${encodeURIComponent(json.id)}`)
          .send(json);
      },
    );

    app.get(
      '/v1/webhook_endpoints',
      {
        schema: {
          ...operation('listWebhookEndpoints', 'Your endpoints, oldest first (at most 16)'),
          response: { 200: listOf(endpointJsonSchema) },
        },
      },
      async (request) => {
        const res = await w.listEndpoints(
          { merchantId: merchantIdOf(request), livemode: livemodeOf(request) },
          { requestId: request.id },
        );
        return {
          object: 'list',
          data: res.endpoints.map(endpointToJson),
          has_more: false,
          next_page: null,
          url: '/v1/webhook_endpoints',
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/webhook_endpoints/:id',
      {
        schema: {
          ...operation('getWebhookEndpoint', 'Retrieve an endpoint'),
          params: idParamsSchema,
          response: { 200: endpointJsonSchema },
        },
      },
      async (request) =>
        endpointToJson((await w.getEndpoint(ref(request), { requestId: request.id })).endpoint),
    );

    app.post<{ Params: { id: string }; Body: UpdateBody }>(
      '/v1/webhook_endpoints/:id',
      {
        schema: {
          ...operation(
            'updateWebhookEndpoint',
            'Change an endpoint; a new URL also applies to deliveries still pending',
          ),
          params: idParamsSchema,
          body: updateBodySchema,
          response: { 200: endpointJsonSchema },
        },
      },
      async (request) => {
        const b = request.body;
        const res = await w.updateEndpoint(
          {
            ...ref(request),
            ...(b.url !== undefined ? { url: b.url } : {}),
            ...(b.description !== undefined ? { description: b.description } : {}),
            eventTypes: b.event_types ?? [],
            setEventTypes: b.event_types !== undefined,
            format: b.format ? FORMATS[b.format] : BodyFormat.BODY_FORMAT_UNSPECIFIED,
            ack: b.ack ? ACKS[b.ack] : AckMode.ACK_MODE_UNSPECIFIED,
            maxInFlight: b.max_in_flight ?? 0,
          },
          { requestId: request.id },
        );
        return endpointToJson(res.endpoint);
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/v1/webhook_endpoints/:id',
      {
        schema: {
          ...operation(
            'deleteWebhookEndpoint',
            'Delete an endpoint: its pending deliveries are given up, its log stays',
          ),
          params: idParamsSchema,
          response: {
            200: {
              type: 'object',
              required: ['id', 'object', 'deleted'],
              properties: {
                id: { type: 'string' },
                object: { type: 'string', enum: ['webhook_endpoint'] },
                deleted: { type: 'boolean', enum: [true] },
                canceled_deliveries: { type: 'integer' },
              },
            },
          },
        },
      },
      async (request) => {
        const res = await w.deleteEndpoint(ref(request), { requestId: request.id });
        request.log.info({ endpointId: res.endpointId }, 'webhook endpoint deleted');
        return {
          id: res.endpointId,
          object: 'webhook_endpoint',
          deleted: true,
          canceled_deliveries: res.canceledDeliveries,
        };
      },
    );

    for (const [action, summary] of [
      ['enable', 'Enable an endpoint: its pending deliveries resume'],
      ['disable', 'Disable an endpoint: deliveries wait until it is enabled (within 72 hours)'],
    ] as const) {
      app.post<{ Params: { id: string } }>(
        `/v1/webhook_endpoints/:id/${action}`,
        {
          schema: {
            ...operation(`${action}WebhookEndpoint`, summary),
            params: idParamsSchema,
            response: { 200: endpointJsonSchema },
          },
        },
        async (request) => {
          const call = action === 'enable' ? w.enableEndpoint : w.disableEndpoint;
          const res = await call(ref(request), { requestId: request.id });
          return endpointToJson(res.endpoint);
        },
      );
    }

    app.post<{ Params: { id: string }; Body: { overlap_seconds?: number } | null }>(
      '/v1/webhook_endpoints/:id/rotate_secret',
      {
        // Its answer carries the new secret, shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          ...operation(
            'rotateWebhookEndpointSecret',
            'New secret; the old one also signs for overlap_seconds',
          ),
          params: idParamsSchema,
          body: rotateBodySchema,
          response: { 200: endpointWithSecretSchema },
        },
        // The notifier keeps the key: a retry answers the secret the first call made.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const res = await w.rotateEndpointSecret(
          {
            ...ref(request),
            overlapSeconds: request.body?.overlap_seconds ?? 0,
            idempotencyKey: requiredIdempotencyKey(request.headers),
          },
          { requestId: request.id },
        );
        if (res.replayed) reply.header('idempotent-replayed', 'true');
        else request.log.info({ endpointId: request.params.id }, 'webhook endpoint secret rotated');
        return { ...endpointToJson(res.endpoint), secret: res.signingSecret };
      },
    );

    app.post<{ Params: { id: string }; Body: { since: string } }>(
      '/v1/webhook_endpoints/:id/recover',
      {
        schema: {
          ...operation(
            'recoverWebhookEndpoint',
            'Send again every failed delivery of this endpoint created since a time',
          ),
          params: idParamsSchema,
          body: recoverBodySchema,
          response: {
            200: {
              type: 'object',
              required: ['object', 'endpoint', 'since', 'recovered'],
              properties: {
                object: { type: 'string', enum: ['webhook_recovery'] },
                endpoint: { type: 'string' },
                since: { type: 'string' },
                recovered: { type: 'integer' },
              },
            },
          },
        },
      },
      async (request) => {
        const since = instantFrom(request.body.since, 'since') as Date;
        const res = await w.recoverEndpoint({ ...ref(request), since }, { requestId: request.id });
        return {
          object: 'webhook_recovery',
          endpoint: request.params.id,
          since: since.toISOString(),
          recovered: res.recovered,
        };
      },
    );

    app.get<{ Querystring: ListDeliveriesQuery }>(
      '/v1/webhook_deliveries',
      {
        schema: {
          ...operation('listWebhookDeliveries', 'Your deliveries, newest first'),
          querystring: listDeliveriesQuerySchema,
          response: { 200: listOf(deliveryJsonSchema) },
        },
      },
      async (request) => {
        const q = request.query;
        const res = await w.listDeliveries(
          {
            merchantId: merchantIdOf(request),
            endpointId: q.endpoint ?? '',
            paymentId: q.payment ?? '',
            status: q.status
              ? DELIVERY_STATUSES[q.status]
              : DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED,
            pageSize: limitOf(q.limit),
            pageToken: q.page ?? '',
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return {
          object: 'list',
          data: res.deliveries.map(deliveryToJson),
          has_more: res.nextPageToken !== '',
          next_page: res.nextPageToken || null,
          url: '/v1/webhook_deliveries',
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/webhook_deliveries/:id',
      {
        schema: {
          ...operation('getWebhookDelivery', 'A delivery with its attempts, oldest first'),
          params: idParamsSchema,
          response: { 200: deliveryWithAttemptsSchema },
        },
      },
      async (request) => {
        const res = await w.getDelivery(
          {
            merchantId: merchantIdOf(request),
            deliveryId: request.params.id,
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return { ...deliveryToJson(res.delivery), attempts: res.attempts.map(attemptToJson) };
      },
    );

    app.post<{ Params: { id: string } }>(
      '/v1/webhook_deliveries/:id/redeliver',
      {
        schema: {
          ...operation('redeliverWebhookDelivery', 'Send a delivery again now, whatever its state'),
          params: idParamsSchema,
          response: { 200: deliveryJsonSchema },
        },
      },
      async (request) => {
        const res = await w.redeliverDelivery(
          {
            merchantId: merchantIdOf(request),
            deliveryId: request.params.id,
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return deliveryToJson(res.delivery);
      },
    );
  };
}
