import type { RefundServiceClient } from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import {
  IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
} from '../headers';
import { idPage } from '../mappers/list.mapper';
import { limitFrom } from '../mappers/payment.mapper';
import { refundAmountFrom, refundToJson } from '../mappers/refund.mapper';
import { operation } from '../openapi';
import {
  type CreateRefundBody,
  createRefundBodySchema,
  type ListRefundsQuery,
  listRefundsQuerySchema,
  refundJsonSchema,
  refundListSchema,
} from '../refund.schemas';
import { idParamsSchema } from '../schemas';

/** Checkout's refund RPCs the merchant API uses. */
export type MerchantRefundsClient = Pick<
  PromiseClient<RefundServiceClient>,
  'createRefund' | 'getRefund' | 'listRefunds'
>;

export interface MerchantRefundRouteDeps {
  authenticate: ApiKeyAuthenticator;
  refunds: MerchantRefundsClient;
}

/**
 * Refunds on the merchant API (`/v1/refunds`, Stripe's shape: create with `payment` and an
 * optional `amount`, get, list with `limit` / `starting_after` / `has_more`), behind the API key.
 */
export function merchantRefundRoutes(deps: MerchantRefundRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);

    app.post<{ Body: CreateRefundBody }>(
      '/v1/refunds',
      {
        // Refund a payment, fully or partly. The amount leaves the available balance at once; more
        // than is left is REFUND_EXCEEDS_PAYMENT (422). Requires an Idempotency-Key (or
        // Idempotence-Key); its first answer is kept in the idempotency store.
        schema: {
          ...operation('createRefund', 'Refund a payment, in full or in part'),
          body: createRefundBodySchema,
          headers: IDEMPOTENCY_HEADERS,
          response: {
            200: refundJsonSchema,
            201: refundJsonSchema,
          },
        },
        // Before the body is parsed: a retry-unsafe request is refused whatever its body.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const amountMinor = refundAmountFrom(request.body.amount);
        const res = await deps.refunds.createRefund(
          {
            merchantId: merchantIdOf(request),
            idempotencyKey: requiredIdempotencyKey(request.headers),
            paymentId: request.body.payment,
            // The currency is the payment's; checkout refuses another one.
            amount: amountMinor === undefined ? undefined : { amountMinor, currency: '' },
            reason: request.body.reason ?? '',
            // A key refunds and reads only its own mode's payments and refunds.
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        const json = refundToJson(res.refund);
        if (res.replayed) return reply.code(200).header('idempotent-replayed', 'true').send(json);
        return reply
          .code(201)
          .header('location', `/v1/refunds/${encodeURIComponent(json.id)}`)
          .send(json);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/refunds/:id',
      {
        // Retrieve a refund
        schema: {
          ...operation('getRefund', 'Retrieve a refund'),
          params: idParamsSchema,
          response: { 200: refundJsonSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.getRefund(
          {
            merchantId: merchantIdOf(request),
            refundId: request.params.id,
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return refundToJson(res.refund);
      },
    );

    app.get<{ Querystring: ListRefundsQuery }>(
      '/v1/refunds',
      {
        // List refunds, newest first
        schema: {
          ...operation('listRefunds', 'Your refunds, newest first'),
          querystring: listRefundsQuerySchema,
          response: { 200: refundListSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.listRefunds(
          {
            merchantId: merchantIdOf(request),
            paymentId: request.query.payment ?? '',
            // Absent: 0, checkout's own default page size.
            limit: limitFrom(request.query.limit, 100, 0),
            startingAfter: request.query.starting_after ?? '',
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return idPage('/v1/refunds', res.refunds.map(refundToJson), res.hasMore);
      },
    );
  };
}
