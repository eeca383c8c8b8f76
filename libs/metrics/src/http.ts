import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import { counter, histogram, metricsRegistry } from './registry';

/**
 * Counts a Fastify app's requests by route template (`/v1/payments/:id`, never the raw path, so
 * ids do not become series), method and status, with their duration. Call it before the routes
 * are registered. Requests no route matched are labelled `route="unmatched"`.
 */
export function instrumentFastify(
  app: FastifyInstance,
  registry: Registry = metricsRegistry,
): void {
  const labels = ['method', 'route', 'status'] as const;
  const requests = counter(
    'tolem_http_requests_total',
    'HTTP requests answered, by route template, method and status.',
    labels,
    registry,
  );
  const duration = histogram(
    'tolem_http_request_duration_seconds',
    'Time to answer an HTTP request, by route template, method and status.',
    labels,
    registry,
  );
  app.addHook('onResponse', async (request, reply) => {
    const values = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(values);
    duration.observe(values, reply.elapsedTime / 1_000);
  });
}
