import { OwnerType } from '@tolem/contracts/ledger';
import type { FastifyPluginAsync } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import {
  IDEMPOTENCY_HEADERS,
  OPTIONAL_IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
} from '../headers';
import { type IdListJson, idPage } from '../mappers/list.mapper';
import {
  balanceCurrencies,
  balanceToJson,
  paymentEventToJson,
  type PaymentJson,
  paymentToJson,
  statementToJson,
  toBalanceRequest,
  toCreatePaymentRequest,
  toListPaymentsRequest,
  toStatementRequest,
} from '../mappers/payment.mapper';
import { operation } from '../openapi';
import {
  balanceQuerySchema,
  type BalanceTransactionsQuery,
  balanceTransactionsQuerySchema,
  cancelPaymentBodySchema,
  type CreatePaymentBody,
  createPaymentBodySchema,
  type ListPaymentsQuery,
  listPaymentsQuerySchema,
} from '../payment.schemas';
import { idParamsSchema } from '../schemas';
import type { GatewayDeps } from '../server';

export interface V1RouteDeps {
  authenticate: ApiKeyAuthenticator;
  checkout: Pick<
    GatewayDeps['checkout'],
    'createPayment' | 'getPayment' | 'cancelPayment' | 'listPayments' | 'listPaymentEvents'
  >;
  ledger: GatewayDeps['ledger'];
  publicBaseUrl: string;
}

/** A documented answer: a shared schema (schemas.ts ANSWER_SCHEMAS) by $id. */
const ref = (description: string, id: string) => ({ description, $ref: `${id}#` });

/** The merchant REST API: every route authenticates first, before the body is even parsed. */
export function v1Routes(deps: V1RouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);

    app.post<{ Body: CreatePaymentBody }>(
      '/v1/payments',
      {
        schema: {
          ...operation('createPayment', 'Create a payment'),
          body: createPaymentBodySchema,
          headers: IDEMPOTENCY_HEADERS,
          response: {
            201: ref('Created; `Location` names it', 'Payment'),
            200: ref('Checkout recognised the key (its own replay)', 'Payment'),
          },
        },
        // Checkout creates at most one payment per merchant and key: the key's answer is
        // stored in one write (see installIdempotency).
        config: { idempotency: 'downstream' },
        // Before the body is even parsed: a retry-unsafe request is refused whatever its body.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const idempotencyKey = requiredIdempotencyKey(request.headers);
        const req = toCreatePaymentRequest(request.body, merchantIdOf(request), idempotencyKey);
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
      {
        schema: {
          ...operation('getPayment', 'Retrieve a payment'),
          params: idParamsSchema,
          response: { 200: ref('The payment', 'Payment') },
        },
      },
      async (request) => {
        const res = await deps.checkout.getPayment(
          {
            paymentId: request.params.id,
            merchantId: merchantIdOf(request),
            pageSecret: '',
            // A key reaches only its own mode's payments (checkout answers the other's 404).
            livemode: livemodeOf(request),
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
      {
        schema: {
          ...operation('cancelPayment', 'Cancel a payment not paid yet'),
          params: idParamsSchema,
          body: cancelPaymentBodySchema,
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          response: { 200: ref('Canceled (or already canceled)', 'Payment') },
        },
      },
      async (request) => {
        const res = await deps.checkout.cancelPayment(
          {
            paymentId: request.params.id,
            merchantId: merchantIdOf(request),
            reason: request.body?.reason ?? '',
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return paymentToJson(res.payment, deps.publicBaseUrl);
      },
    );

    // With a currency: that balance. Without: one per currency the merchant has an available
    // account in (ListAccounts, then GetBalance for each, concurrently). Always of the key's
    // mode: a test key sees only test money, a live key only live money.
    app.get<{ Querystring: { currency?: string } }>(
      '/v1/balance',
      {
        schema: {
          ...operation('getBalance', 'Your balance, per currency'),
          querystring: balanceQuerySchema,
          response: {
            200: {
              description: 'One balance when `currency` is given, else the list of all',
              anyOf: [{ $ref: 'Balance#' }, { $ref: 'BalanceList#' }],
            },
          },
        },
      },
      async (request) => {
        const merchantId = merchantIdOf(request);
        const livemode = livemodeOf(request);
        const ctx = { requestId: request.id };
        const { currency } = request.query;
        if (currency !== undefined) {
          const res = await deps.ledger.getBalance(
            toBalanceRequest(merchantId, currency, livemode),
            ctx,
          );
          return balanceToJson(res, currency);
        }
        const { accounts } = await deps.ledger.listAccounts(
          { ownerType: OwnerType.OWNER_TYPE_MERCHANT, ownerId: merchantId, currency: '', livemode },
          ctx,
        );
        const data = await Promise.all(
          balanceCurrencies(accounts).map(async (c) =>
            balanceToJson(
              await deps.ledger.getBalance(toBalanceRequest(merchantId, c, livemode), ctx),
              c,
            ),
          ),
        );
        // One balance per currency, all in one page.
        return { ...idPage('/v1/balance', data, false), livemode };
      },
    );

    app.get<{ Querystring: ListPaymentsQuery }>(
      '/v1/payments',
      {
        schema: {
          ...operation('listPayments', 'Your payments, newest first'),
          querystring: listPaymentsQuerySchema,
          response: { 200: ref('Newest first', 'PaymentList') },
        },
      },
      async (request): Promise<IdListJson<PaymentJson>> => {
        const res = await deps.checkout.listPayments(
          toListPaymentsRequest(request.query, merchantIdOf(request), livemodeOf(request)),
          { requestId: request.id },
        );
        return idPage(
          '/v1/payments',
          res.payments.map((p) => paymentToJson(p, deps.publicBaseUrl)),
          res.hasMore,
        );
      },
    );

    // The payment's timeline from checkout, which owns its status (see ListPaymentEvents).
    app.get<{ Params: { id: string } }>(
      '/v1/payments/:id/events',
      {
        schema: {
          ...operation('streamPaymentEvents', "A payment's status changes as server-sent events"),
          params: idParamsSchema,
          response: { 200: ref('Oldest first', 'PaymentEventList') },
        },
      },
      async (request) => {
        const res = await deps.checkout.listPaymentEvents(
          {
            paymentId: request.params.id,
            merchantId: merchantIdOf(request),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        // A payment's whole timeline is one page.
        return idPage(
          `/v1/payments/${request.params.id}/events`,
          res.events.map(paymentEventToJson),
          false,
        );
      },
    );

    app.get<{ Querystring: BalanceTransactionsQuery }>(
      '/v1/balance_transactions',
      {
        schema: {
          ...operation('listBalanceTransactions', 'Movements of your balance, newest first'),
          querystring: balanceTransactionsQuerySchema,
          response: { 200: ref('Oldest first', 'BalanceTransactionList') },
        },
      },
      async (request) => {
        const res = await deps.ledger.listStatement(
          toStatementRequest(request.query, merchantIdOf(request), livemodeOf(request)),
          { requestId: request.id },
        );
        return statementToJson(res, request.query.currency);
      },
    );
  };
}
