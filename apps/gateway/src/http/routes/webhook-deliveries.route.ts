import type { NotifierServiceClient } from '@tolem/contracts/notifier';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { OPTIONAL_IDEMPOTENCY_HEADERS } from '../headers';
import { cursorPage } from '../mappers/list.mapper';
import { attemptToJson, deliveryToJson, toListDeliveriesRequest } from '../mappers/webhook.mapper';
import { idParamsSchema } from '../schemas';
import {
  deliveryJsonSchema,
  deliveryWithAttemptsSchema,
  type ListDeliveriesQuery,
  listDeliveriesQuerySchema,
  webhookListSchemaOf,
  webhookOperation as operation,
} from '../webhook.schemas';

/** The notifier's delivery log RPCs, as these routes use them. */
export type WebhookDeliveriesClient = Pick<
  PromiseClient<NotifierServiceClient>,
  'listDeliveries' | 'getDelivery' | 'redeliverDelivery'
>;

export interface WebhookDeliveryRouteDeps {
  authenticate: ApiKeyAuthenticator;
  webhooks: WebhookDeliveriesClient;
}

/**
 * The merchant's webhook deliveries (`/v1/webhook_deliveries…`): the log of what was sent, each
 * delivery with its attempts, and sending one again.
 */
export function webhookDeliveryRoutes(deps: WebhookDeliveryRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);
    const w = deps.webhooks;

    app.get<{ Querystring: ListDeliveriesQuery }>(
      '/v1/webhook_deliveries',
      {
        schema: {
          ...operation('listWebhookDeliveries', 'Your deliveries, newest first'),
          querystring: listDeliveriesQuerySchema,
          response: { 200: webhookListSchemaOf(deliveryJsonSchema) },
        },
      },
      async (request) => {
        const res = await w.listDeliveries(
          toListDeliveriesRequest(request.query, merchantIdOf(request), livemodeOf(request)),
          { requestId: request.id },
        );
        return cursorPage(
          '/v1/webhook_deliveries',
          res.deliveries.map(deliveryToJson),
          res.nextPageToken,
        );
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
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
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
