import type { Secret } from '@tolem/config';
import {
  type Refund,
  RefundExecution,
  type RefundServiceClient,
  RefundStatus,
} from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';
import { minorFromJson } from '@tolem/money';
import type { FastifyPluginAsync } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import { gatewayErrors } from '../errors';
import {
  bearerTokenFrom,
  IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
  tokensEqual,
} from '../headers';
import { methodName, providerName } from '../mappers/enums.mapper';
import { type JsonMinor, minorToJson } from '../mappers/payment.mapper';
import { amountSchema, idParamsSchema, livemodeSchema } from '../schemas';

/** Checkout's RefundService, as the gateway uses it. */
export type RefundsClient = Pick<
  PromiseClient<RefundServiceClient>,
  | 'createRefund'
  | 'getRefund'
  | 'listRefunds'
  | 'listRefundPayouts'
  | 'completeRefundPayout'
  | 'failRefundPayout'
>;

export interface RefundRouteDeps {
  authenticate: ApiKeyAuthenticator;
  refunds: RefundsClient;
  adminToken: Secret;
}

// ---- JSON shapes (Stripe's refund object, with Tolem's execution) ----

const REFUND_STATUS_NAMES = ['pending', 'succeeded', 'failed'] as const;
type RefundStatusName = (typeof REFUND_STATUS_NAMES)[number];
const EXECUTION_NAMES = ['provider', 'payout_queue'] as const;

function refundStatusName(s: RefundStatus): RefundStatusName {
  switch (s) {
    case RefundStatus.REFUND_STATUS_SUCCEEDED:
      return 'succeeded';
    case RefundStatus.REFUND_STATUS_FAILED:
      return 'failed';
    default:
      return 'pending';
  }
}

function executionName(e: RefundExecution): (typeof EXECUTION_NAMES)[number] | null {
  switch (e) {
    case RefundExecution.REFUND_EXECUTION_PROVIDER:
      return 'provider';
    case RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE:
      return 'payout_queue';
    default:
      return null;
  }
}

export interface RefundJson {
  id: string;
  object: 'refund';
  payment: string;
  amount: JsonMinor;
  currency: string;
  status: RefundStatusName;
  reason: string | null;
  execution: (typeof EXECUTION_NAMES)[number] | null;
  failure_code: string | null;
  livemode: boolean;
  created_at: string | null;
  updated_at: string | null;
}

export function refundToJson(r: Refund | undefined): RefundJson {
  if (!r?.amount) throw gatewayErrors.create('INTERNAL', 'peer answer lacks refund');
  return {
    id: r.id,
    object: 'refund',
    payment: r.paymentId,
    amount: minorToJson(r.amount.amountMinor),
    currency: r.amount.currency,
    status: refundStatusName(r.status),
    reason: r.reason === '' ? null : r.reason,
    execution: executionName(r.execution),
    failure_code: r.failureCode === '' ? null : r.failureCode,
    livemode: r.livemode,
    created_at: r.createdAt ? r.createdAt.toISOString() : null,
    updated_at: r.updatedAt ? r.updatedAt.toISOString() : null,
  };
}

// ---- Schemas: request validation and the responses OpenAPI documents ----

const idPattern = '^[A-Za-z0-9_-]+$';
const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }],
  description: 'Integer minor units; a decimal string above 2^53-1.',
} as const;
const nullableString = { type: ['string', 'null'] } as const;

export const refundJsonSchema = {
  type: 'object',
  required: ['id', 'object', 'payment', 'amount', 'currency', 'status', 'livemode'],
  properties: {
    id: { type: 'string', description: '`re_…`' },
    object: { type: 'string', enum: ['refund'] },
    payment: { type: 'string', description: 'The refunded payment, `pay_…`' },
    amount: minorSchema,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    status: {
      type: 'string',
      enum: REFUND_STATUS_NAMES,
      description:
        'pending -> succeeded | failed. A failed refund returned the money to your balance.',
    },
    reason: nullableString,
    execution: {
      type: ['string', 'null'],
      enum: [...EXECUTION_NAMES, null],
      description:
        "provider: through the payment's provider; payout_queue: an operator pays the payer out.",
    },
    failure_code: nullableString,
    livemode: livemodeSchema(),
    created_at: nullableString,
    updated_at: nullableString,
  },
} as const;

// Error answers are added to every route, in the one shared shape, by openapi.ts (documentErrors).
const refundListSchema = {
  type: 'object',
  required: ['object', 'data', 'has_more', 'url'],
  properties: {
    object: { type: 'string', enum: ['list'] },
    data: { type: 'array', items: refundJsonSchema },
    has_more: { type: 'boolean' },
    url: { type: 'string' },
  },
} as const;

export const createRefundBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['payment'],
  properties: {
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    amount: {
      ...amountSchema,
      description: `${amountSchema.description} Optional: all that is left to refund.`,
    },
    reason: { type: 'string', maxLength: 500 },
  },
} as const;

interface CreateRefundBody {
  payment: string;
  amount?: unknown;
  reason?: string;
}

export const listRefundsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1..100, default 10' },
    starting_after: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: idPattern,
      description: 'The last refund id of the previous page.',
    },
  },
} as const;

interface ListRefundsQuery {
  payment?: string;
  limit?: string;
  starting_after?: string;
}

const operatorSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "Who paid the payer (an operator's name or email).",
} as const;

export const completePayoutBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reference', 'operator'],
  properties: {
    reference: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'The WebMoney transfer or Keeper Mobile payout that paid the payer.',
    },
    operator: operatorSchema,
  },
} as const;

export const failPayoutBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'operator'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    operator: operatorSchema,
  },
} as const;

const payoutQueueQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1..100' } },
} as const;

const payoutListSchema = {
  type: 'object',
  required: ['object', 'data'],
  properties: {
    object: { type: 'string', enum: ['list'] },
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['refund', 'payer_account_kind', 'payer_account'],
        properties: {
          refund: refundJsonSchema,
          method: nullableString,
          provider: nullableString,
          payer_account_kind: {
            type: 'string',
            description: '`webmoney_purse`, `keeper_mobile_phone`, or empty when unknown.',
          },
          payer_account: {
            type: 'string',
            description: "The payer's purse or phone; personal data, do not log it.",
          },
        },
      },
    },
  },
} as const;

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (n < 1 || n > 100) {
    throw gatewayErrors.create('VALIDATION_FAILED', 'limit must be 1..100', {
      details: { field: 'limit' },
    });
  }
  return n;
}

/** The optional amount: minor units as minorFromJson reads them, positive. */
function amountOf(raw: unknown): bigint | undefined {
  if (raw === undefined) return undefined;
  const minor = minorFromJson(raw);
  if (minor <= 0n) {
    throw gatewayErrors.create('VALIDATION_FAILED', 'amount must be positive', {
      details: { field: 'amount' },
    });
  }
  return minor;
}

/**
 * Refunds on the merchant API (`/v1/refunds`, Stripe's shape: create with `payment` and an
 * optional `amount`, get, list with `limit` / `starting_after` / `has_more`) and the operators'
 * payout-to-payer queue (`/admin/v1/refund_payouts`). Two scopes: the API key one and the admin
 * token one, each checked before the body is parsed.
 */
export function refundRoutes(deps: RefundRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(merchantRefundRoutes(deps));
    await app.register(adminRefundRoutes(deps));
  };
}

function merchantRefundRoutes(deps: RefundRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);

    app.post<{ Body: CreateRefundBody }>(
      '/v1/refunds',
      {
        // Refund a payment, fully or partly. The amount leaves the available balance at once; more
        // than is left is REFUND_EXCEEDS_PAYMENT (422). Requires an Idempotency-Key (or
        // Idempotence-Key); its first answer is kept in the idempotency store.
        schema: {
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
        const amountMinor = amountOf(request.body.amount);
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
          querystring: listRefundsQuerySchema,
          response: { 200: refundListSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.listRefunds(
          {
            merchantId: merchantIdOf(request),
            paymentId: request.query.payment ?? '',
            limit: limitOf(request.query.limit),
            startingAfter: request.query.starting_after ?? '',
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return {
          object: 'list',
          data: res.refunds.map(refundToJson),
          has_more: res.hasMore,
          url: '/v1/refunds',
        };
      },
    );
  };
}

function adminRefundRoutes(deps: RefundRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', async (request) => {
      const token = bearerTokenFrom(request.headers.authorization);
      if (!tokensEqual(token, deps.adminToken.reveal())) {
        throw gatewayErrors.create('UNAUTHENTICATED', 'invalid admin token');
      }
    });

    app.get<{ Querystring: { limit?: string } }>(
      '/admin/v1/refund_payouts',
      {
        // The payout-to-payer queue: refunds an operator pays out by hand, oldest first
        schema: {
          querystring: payoutQueueQuerySchema,
          response: { 200: payoutListSchema },
        },
      },
      async (request) => {
        const res = await deps.refunds.listRefundPayouts(
          { limit: limitOf(request.query.limit) },
          { requestId: request.id },
        );
        return {
          object: 'list',
          data: res.payouts.map((p) => ({
            refund: refundToJson(p.refund),
            method: methodName(p.method),
            provider: providerName(p.provider),
            payer_account_kind: p.payerAccountKind,
            payer_account: p.payerAccount,
          })),
        };
      },
    );

    app.post<{ Params: { id: string }; Body: { reference: string; operator: string } }>(
      '/admin/v1/refund_payouts/:id/complete',
      {
        // The operator paid the payer: the refund succeeds
        schema: {
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

    app.post<{ Params: { id: string }; Body: { reason: string; operator: string } }>(
      '/admin/v1/refund_payouts/:id/fail',
      {
        // The payer cannot be paid: the refund fails, the money returns to the merchant
        schema: {
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
