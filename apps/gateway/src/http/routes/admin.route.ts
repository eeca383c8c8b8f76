import type { Secret } from '@tolem/config';
import type { FastifyPluginAsync } from 'fastify';

import { authenticateAdminScope } from '../auth';
import type { GatewayDeps } from '../server';
import { caseRoutes } from './cases.route';
import { type MerchantRouteDeps, merchantRoutes } from './merchants.route';

export interface AdminRouteDeps {
  merchants: MerchantRouteDeps['merchants'];
  ledger: MerchantRouteDeps['ledger'];
  forgetApiKey: MerchantRouteDeps['forgetApiKey'];
  cases: GatewayDeps['cases'];
  adminToken: Secret;
}

/**
 * Operator routes, behind ADMIN_TOKEN: merchants and their API keys (merchants.route.ts) and
 * cases (cases.route.ts). Child scopes inherit the token check, so no route answers without it.
 */
export function adminRoutes(deps: AdminRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateAdminScope(app, deps.adminToken);

    await app.register(caseRoutes({ cases: deps.cases }));
    await app.register(
      merchantRoutes({
        merchants: deps.merchants,
        ledger: deps.ledger,
        forgetApiKey: deps.forgetApiKey,
      }),
    );
  };
}
