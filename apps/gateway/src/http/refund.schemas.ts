import { amountSchema, idPattern, limitSchema, livemodeSchema, nullableString } from './schemas';

/**
 * Request and response schemas of the refund routes (`/v1/refunds…` and the operators'
 * `/admin/v1/refund_payouts…`). Fastify validates requests with them and the OpenAPI document is
 * generated from the same objects. Error answers are added to every route, in the one shared
 * shape, by openapi.ts (documentErrors).
 */

export const REFUND_STATUS_NAMES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatusName = (typeof REFUND_STATUS_NAMES)[number];
export const EXECUTION_NAMES = ['provider', 'payout_queue'] as const;
export type ExecutionName = (typeof EXECUTION_NAMES)[number];

const minorSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }],
  description: 'Integer minor units; a decimal string above 2^53-1.',
} as const;

/** Stripe's refund object, with Tolem's execution (refundToJson, refund.mapper.ts). */
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

export const refundListSchema = {
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

export interface CreateRefundBody {
  payment: string;
  amount?: unknown;
  reason?: string;
}

export const listRefundsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    payment: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    limit: limitSchema(10),
    starting_after: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: idPattern,
      description: 'The last refund id of the previous page.',
    },
  },
} as const;

export interface ListRefundsQuery {
  payment?: string;
  limit?: string;
  starting_after?: string;
}

// ---- The operators' payout-to-payer queue ----

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

export interface CompletePayoutBody {
  reference: string;
  operator: string;
}

export const failPayoutBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'operator'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    operator: operatorSchema,
  },
} as const;

export interface FailPayoutBody {
  reason: string;
  operator: string;
}

export const payoutQueueQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(50),
    starting_after: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: idPattern,
      description: 'The last refund id of the previous page (the queue is oldest first).',
    },
  },
} as const;

export interface PayoutQueueQuery {
  limit?: string;
  starting_after?: string;
}

export const payoutListSchema = {
  type: 'object',
  required: ['object', 'url', 'data', 'has_more'],
  properties: {
    object: { type: 'string', enum: ['list'] },
    url: { type: 'string' },
    has_more: { type: 'boolean' },
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
