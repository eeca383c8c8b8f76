import type { FastifyPluginAsync } from 'fastify';

export interface HealthRouteDeps {
  checkoutReady: () => Promise<boolean>;
}

/** Liveness says the process answers; readiness says it can do useful work (checkout reachable). */
export function healthRoutes(deps: HealthRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const checkout = await deps.checkoutReady().catch(() => false);
      return reply.code(checkout ? 200 : 503).send({
        status: checkout ? 'ready' : 'not_ready',
        checks: { checkout: checkout ? 'up' : 'down' },
      });
    });
  };
}
