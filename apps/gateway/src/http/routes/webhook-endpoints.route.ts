import type { NotifierServiceClient } from '@tolem/contracts/notifier';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import {
  IDEMPOTENCY_HEADERS,
  OPTIONAL_IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
} from '../headers';
import { cursorPage } from '../mappers/list.mapper';
import { instantFrom } from '../mappers/payment.mapper';
import {
  type EndpointRef,
  endpointToJson,
  toCreateEndpointRequest,
  toUpdateEndpointRequest,
} from '../mappers/webhook.mapper';
import { idParamsSchema } from '../schemas';
import {
  type CreateEndpointBody,
  createEndpointBodySchema,
  deletedEndpointSchema,
  endpointJsonSchema,
  endpointWithSecretSchema,
  type RecoverBody,
  recoverBodySchema,
  recoveryJsonSchema,
  type RotateSecretBody,
  rotateSecretBodySchema,
  type UpdateEndpointBody,
  updateEndpointBodySchema,
  webhookListSchemaOf,
  webhookOperation as operation,
} from '../webhook.schemas';

/** The notifier's endpoint management RPCs, as these routes use them. */
export type WebhookEndpointsClient = Pick<
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
>;

export interface WebhookEndpointRouteDeps {
  authenticate: ApiKeyAuthenticator;
  webhooks: WebhookEndpointsClient;
}

/**
 * The merchant's webhook endpoints (`/v1/webhook_endpoints…`): add, list, read, change, delete,
 * enable or disable, rotate the signing secret, and send failed deliveries again.
 */
export function webhookEndpointRoutes(deps: WebhookEndpointRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);
    const w = deps.webhooks;
    // The key's mode scopes every call: a test key never sees or changes a live endpoint.
    const ref = (request: FastifyRequest<{ Params: { id: string } }>): EndpointRef => ({
      merchantId: merchantIdOf(request),
      endpointId: request.params.id,
      livemode: livemodeOf(request),
    });

    app.post<{ Body: CreateEndpointBody }>(
      '/v1/webhook_endpoints',
      {
        // Its answer carries the secret, shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          headers: IDEMPOTENCY_HEADERS,
          ...operation(
            'createWebhookEndpoint',
            'Add an endpoint; its secret is in this answer only',
          ),
          body: createEndpointBodySchema,
          response: { 200: endpointWithSecretSchema, 201: endpointWithSecretSchema },
        },
        // Before the body is parsed: a retry-unsafe request is refused whatever its body.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const res = await w.createEndpoint(
          toCreateEndpointRequest(
            request.body,
            merchantIdOf(request),
            livemodeOf(request),
            requiredIdempotencyKey(request.headers),
          ),
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
          response: { 200: webhookListSchemaOf(endpointJsonSchema) },
        },
      },
      async (request) => {
        const res = await w.listEndpoints(
          { merchantId: merchantIdOf(request), livemode: livemodeOf(request) },
          { requestId: request.id },
        );
        // At most 16 endpoints: always one page, so no token to pass on.
        return cursorPage('/v1/webhook_endpoints', res.endpoints.map(endpointToJson), '');
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

    app.post<{ Params: { id: string }; Body: UpdateEndpointBody }>(
      '/v1/webhook_endpoints/:id',
      {
        schema: {
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          ...operation(
            'updateWebhookEndpoint',
            'Change an endpoint; a new URL also applies to deliveries still pending',
          ),
          params: idParamsSchema,
          body: updateEndpointBodySchema,
          response: { 200: endpointJsonSchema },
        },
      },
      async (request) => {
        const res = await w.updateEndpoint(toUpdateEndpointRequest(ref(request), request.body), {
          requestId: request.id,
        });
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
          response: { 200: deletedEndpointSchema },
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
            headers: OPTIONAL_IDEMPOTENCY_HEADERS,
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

    app.post<{ Params: { id: string }; Body: RotateSecretBody }>(
      '/v1/webhook_endpoints/:id/rotate_secret',
      {
        // Its answer carries the new secret, shown once: never kept in the idempotency store.
        config: { idempotency: false },
        schema: {
          headers: IDEMPOTENCY_HEADERS,
          ...operation(
            'rotateWebhookEndpointSecret',
            'New secret; the old one also signs for overlap_seconds',
          ),
          params: idParamsSchema,
          body: rotateSecretBodySchema,
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

    app.post<{ Params: { id: string }; Body: RecoverBody }>(
      '/v1/webhook_endpoints/:id/recover',
      {
        schema: {
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          ...operation(
            'recoverWebhookEndpoint',
            'Send again every failed delivery of this endpoint created since a time',
          ),
          params: idParamsSchema,
          body: recoverBodySchema,
          response: { 200: recoveryJsonSchema },
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
  };
}
