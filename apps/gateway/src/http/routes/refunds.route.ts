import type { Secret } from '@tolem/config';
import type { FastifyPluginAsync } from 'fastify';

import type { ApiKeyAuthenticator } from '../auth';
import { merchantRefundRoutes, type MerchantRefundsClient } from './merchant-refunds.route';
import { refundPayoutRoutes, type RefundPayoutsClient } from './refund-payouts.route';

/** Checkout's RefundService, as the gateway uses it. */
export type RefundsClient = MerchantRefundsClient & RefundPayoutsClient;

export interface RefundRouteDeps {
  authenticate: ApiKeyAuthenticator;
  refunds: RefundsClient;
  adminToken: Secret;
}

/**
 * Refunds on the merchant API (`/v1/refunds`, merchant-refunds.route.ts) and the operators'
 * payout-to-payer queue (`/admin/v1/refund_payouts`, refund-payouts.route.ts). Two scopes: the
 * API key one and the admin token one, each checked before the body is parsed.
 */
export function refundRoutes(deps: RefundRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(merchantRefundRoutes(deps));
    await app.register(refundPayoutRoutes(deps));
  };
}
