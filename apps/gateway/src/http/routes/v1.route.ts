import type { Merchant } from '@tolem/contracts/checkout';
import type { FastifyPluginAsync } from 'fastify';

import type { ApiKeyAuthenticator, AuthenticatedMerchant } from '../auth';
import { idempotencyKeyFrom } from '../headers';
import {
  balanceToJson,
  paymentToJson,
  toBalanceRequest,
  toCreatePaymentRequest,
} from '../mappers/payment.mapper';
import {
  balanceQuerySchema,
  cancelPaymentBodySchema,
  type CreatePaymentBody,
  createPaymentBodySchema,
  idParamsSchema,
} from '../schemas';
import type { GatewayDeps } from '../server';

export interface V1RouteDeps {
  authenticate: ApiKeyAuthenticator;
  checkout: Pick<GatewayDeps['checkout'], 'createPayment' | 'getPayment' | 'cancelPayment'>;
  ledger: GatewayDeps['ledger'];
  publicBaseUrl: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the /v1 scope's onRequest hook once the API key resolved. */
    merchant: AuthenticatedMerchant | null;
  }
}

function merchantIdOf(merchant: Merchant | null): string {
  // The onRequest hook either set it or threw; reaching here without one is a wiring bug.
  if (!merchant) throw new Error('unauthenticated request reached a /v1 handler');
  return merchant.id;
}

/** The merchant REST API: every route authenticates first, before the body is even parsed. */
export function v1Routes(deps: V1RouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.decorateRequest('merchant', null);
    app.addHook('onRequest', async (request) => {
      request.merchant = await deps.authenticate(request.headers.authorization, request.id);
    });

    app.post<{ Body: CreatePaymentBody }>(
      '/v1/payments',
      {
        schema: { body: createPaymentBodySchema },
        // Before the body is even parsed: a retry-unsafe request is refused whatever its body.
        preParsing: async (request, _reply, payload) => {
          idempotencyKeyFrom(request.headers['idempotency-key']);
          return payload;
        },
      },
      async (request, reply) => {
        const idempotencyKey = idempotencyKeyFrom(request.headers['idempotency-key']);
        const req = toCreatePaymentRequest(
          request.body,
          merchantIdOf(request.merchant),
          idempotencyKey,
        );
        // The key's mode, never the body's: a test key cannot create a live payment.
        req.livemode = request.merchant?.livemode ?? false;
        const res = await deps.checkout.createPayment(req, { requestId: request.id });
        const json = paymentToJson(res.payment, deps.publicBaseUrl);
        if (res.replayed) return reply.code(200).header('idempotent-replayed', 'true').send(json);
        return reply
          .code(201)
          .header('location', `/v1/payments/${encodeURIComponent(json.id)}`)
          .send(json);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/payments/:id',
      { schema: { params: idParamsSchema } },
      async (request) => {
        const res = await deps.checkout.getPayment(
          {
            paymentId: request.params.id,
            merchantId: merchantIdOf(request.merchant),
            pageSecret: '',
          },
          { requestId: request.id },
        );
        return paymentToJson(res.payment, deps.publicBaseUrl);
      },
    );

    // Canceling is idempotent by nature (a canceled payment is answered as it is), so an
    // Idempotency-Key is accepted but not required.
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
      '/v1/payments/:id/cancel',
      { schema: { params: idParamsSchema, body: cancelPaymentBodySchema } },
      async (request) => {
        const res = await deps.checkout.cancelPayment(
          {
            paymentId: request.params.id,
            merchantId: merchantIdOf(request.merchant),
            reason: request.body?.reason ?? '',
          },
          { requestId: request.id },
        );
        return paymentToJson(res.payment, deps.publicBaseUrl);
      },
    );

    app.get<{ Querystring: { currency: string } }>(
      '/v1/balance',
      { schema: { querystring: balanceQuerySchema } },
      async (request) => {
        const res = await deps.ledger.getBalance(
          toBalanceRequest(merchantIdOf(request.merchant), request.query.currency),
          { requestId: request.id },
        );
        return balanceToJson(res, request.query.currency);
      },
    );
  };
}
