import type { FastifyPluginAsync } from 'fastify';

import { renderLandingPage } from '../pages/landing.page';
import { sendHtml } from '../reply';

/** The generated OpenAPI document (see openapi.ts) and the landing page; `/docs` is swagger-ui's. */
export function docsRoutes(): FastifyPluginAsync {
  const landing = renderLandingPage();
  return async (app) => {
    let document: unknown;
    app.get('/openapi.json', async () => (document ??= app.swagger()));
    app.get('/', async (_request, reply) => sendHtml(reply, 200, landing));
  };
}
