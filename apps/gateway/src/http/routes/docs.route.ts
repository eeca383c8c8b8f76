import type { FastifyPluginAsync } from 'fastify';

import { buildOpenApi } from '../openapi';
import { renderLandingPage } from '../pages/landing.page';
import { sendHtml } from '../reply';

export function docsRoutes(deps: { publicBaseUrl: string }): FastifyPluginAsync {
  const document = buildOpenApi(deps.publicBaseUrl);
  const landing = renderLandingPage();
  return async (app) => {
    app.get('/openapi.json', async () => document);
    app.get('/', async (_request, reply) => sendHtml(reply, 200, landing));
  };
}
