import type { FastifyPluginAsync } from 'fastify';

import type { ApiKeyAuthenticator } from '../auth';
import { type WebhookDeliveriesClient, webhookDeliveryRoutes } from './webhook-deliveries.route';
import { webhookEndpointRoutes, type WebhookEndpointsClient } from './webhook-endpoints.route';

/** The notifier's management RPCs, as the gateway uses them. */
export type WebhooksClient = WebhookEndpointsClient & WebhookDeliveriesClient;

export interface WebhookRouteDeps {
  authenticate: ApiKeyAuthenticator;
  webhooks: WebhooksClient;
}

/**
 * The merchant's webhook endpoints and deliveries (`/v1/webhook_endpoints`,
 * `/v1/webhook_deliveries`). Every call names the authenticated merchant to the notifier, which
 * answers not-found for another merchant's ids. Answers with a signing secret are never kept in the
 * idempotency store: a create retried with the same key gets its endpoint (and secret) from the
 * notifier itself.
 */
export function webhookRoutes(deps: WebhookRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(webhookEndpointRoutes(deps));
    await app.register(webhookDeliveryRoutes(deps));
  };
}
