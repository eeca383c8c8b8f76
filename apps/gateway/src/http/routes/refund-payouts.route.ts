import type { Secret } from '@tolem/config';
import type { RefundServiceClient } from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync } from 'fastify';

import { authenticateAdminScope } from '../auth';
import { OPTIONAL_IDEMPOTENCY_HEADERS } from '../headers';
import { idPage } from '../mappers/list.mapper';
import { limitFrom } from '../mappers/payment.mapper';
import { refundPayoutToJson, refundToJson } from '../mappers/refund.mapper';
import { operation } from '../openapi';
import {
  type CompletePayoutBody,
  completePayoutBodySchema,
  type FailPayoutBody,
  failPayoutBodySchema,
  payoutListSchema,
  type PayoutQueueQuery,
  payoutQueueQuerySchema,
  refundJsonSchema,
} from '../refund.schemas';
import { idParamsSchema } from '../schemas';

/** Checkout's payout-to-payer queue RPCs, as the operators' routes use them. */
export type RefundPayoutsClient = Pick<
  PromiseClient<RefundServiceClient>,
  'listRefundPayouts' | 'completeRefundPayout' | 'failRefundPayout'
>;

export interface RefundPayoutRouteDeps {
  refunds: RefundPayoutsClient;
  adminToken: Secret;
}

/**
 * The operators' payout-to-payer queue (`/admin/v1/refund_payouts`), behind ADMIN_TOKEN: refunds
 * no provider can execute wait here until an operator pays the payer out (or gives up).
 */
export function refundPayoutRoutes(deps: RefundPayoutRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateAdminScope(app, deps.adminToken);

    app.get<{ Querystring: PayoutQueueQuery }>(
      '/admin/v1/refund_payouts',
      {
        // The payout-to-payer queue: refunds an operator pays out by hand, oldest first
        schema: {
          ...operation('listRefundPayouts', 'Refunds waiting to be paid out by hand'),
          querystring: payoutQueueQuerySchema,
          response: { 200: payoutListSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.listRefundPayouts(
          {
            limit: limitFrom(request.query.limit, 100, 0),
            startingAfter: request.query.starting_after ?? '',
          },
          { requestId: request.id },
        );
        return idPage('/admin/v1/refund_payouts', res.payouts.map(refundPayoutToJson), res.hasMore);
      },
    );

    app.post<{ Params: { id: string }; Body: CompletePayoutBody }>(
      '/admin/v1/refund_payouts/:id/complete',
      {
        // The operator paid the payer: the refund succeeds
        schema: {
          ...operation('completeRefundPayout', 'Record a manual payout as made'),
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          params: idParamsSchema,
          body: completePayoutBodySchema,
          response: { 200: refundJsonSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.completeRefundPayout(
          {
            refundId: request.params.id,
            reference: request.body.reference.trim(),
            operator: request.body.operator.trim(),
          },
          { requestId: request.id },
        );
        request.log.info({ refundId: request.params.id }, 'queued refund paid out by an operator');
        return refundToJson(res.refund);
      },
    );

    app.post<{ Params: { id: string }; Body: FailPayoutBody }>(
      '/admin/v1/refund_payouts/:id/fail',
      {
        // The payer cannot be paid: the refund fails, the money returns to the merchant
        schema: {
          ...operation('failRefundPayout', 'Record a manual payout as failed'),
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          params: idParamsSchema,
          body: failPayoutBodySchema,
          response: { 200: refundJsonSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.failRefundPayout(
          {
            refundId: request.params.id,
            reason: request.body.reason.trim(),
            operator: request.body.operator.trim(),
          },
          { requestId: request.id },
        );
        request.log.info({ refundId: request.params.id }, 'queued refund failed by an operator');
        return refundToJson(res.refund);
      },
    );
  };
}
