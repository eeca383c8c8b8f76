import { VAT_RATES } from '@tolem/catalog';

import { METHOD_NAME_LIST } from './mappers/enums.mapper';
import { amountSchema, limitSchema, livemodeSchema } from './schemas';

/**
 * Request and response schemas of the operators' merchant and API key routes
 * (`/admin/v1/merchants…`). Fastify validates with them and serializes the responses through
 * them, and the OpenAPI document is generated from the same objects.
 */

const idPattern = '^[A-Za-z0-9_-]+$';
const urlSchema = { type: 'string', minLength: 1, maxLength: 2048 } as const;
const methodSchema = { type: 'string', enum: METHOD_NAME_LIST } as const;
export const VAT_RATE_LIST = VAT_RATES;
const vatRateSchema = {
  type: 'string',
  enum: VAT_RATE_LIST,
  description:
    'VAT rate printed on receipts: YooKassa vat_code 1 none, 2 vat0, 3 vat10, 4 vat20, ' +
    '5 vat10_110, 6 vat20_120, 7 vat5, 8 vat7, 9 vat5_105, 10 vat7_107, 11 vat22, 12 vat22_122 ' +
    '(22 % since 1 January 2026); vat12 is Kyrgyzstan’s 12 % (no YooKassa code).',
} as const;
const currencySchema = {
  type: 'string',
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 alphabetic code',
} as const;
const minorJsonSchema = {
  type: ['integer', 'string'],
  description: 'Integer minor units; a decimal string above 2^53-1.',
} as const;
const timestampSchema = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableString = { type: ['string', 'null'] } as const;

const feeRulesSchema = {
  type: 'array',
  maxItems: 20,
  description:
    "The merchant's fee plan, kept by the ledger (the only owner of fees): per method a percent " +
    'of the gross plus a fixed part per currency.',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['method', 'percent_bps'],
    properties: {
      method: methodSchema,
      percent_bps: { type: 'integer', minimum: 0, maximum: 10000 },
      fixed: {
        type: 'array',
        maxItems: 200,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['amount', 'currency'],
          properties: { amount: amountSchema, currency: currencySchema },
        },
      },
    },
  },
} as const;

const apiKeyModeSchema = {
  type: 'string',
  enum: ['test', 'live'],
  description: 'test: livemode false, pays through the provider sandbox only; live: never does.',
} as const;

export const merchantParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern } },
} as const;

export const apiKeyParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'key_id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    key_id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
  },
} as const;

export const createMerchantBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'enabled_methods'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Shown on the hosted page.',
    },
    enabled_methods: { type: 'array', minItems: 1, uniqueItems: true, items: methodSchema },
    fee_rules: feeRulesSchema,
    webmoney_shop_id: { type: 'string', maxLength: 64 },
    /** Where the notifier POSTs signed payment notifications. */
    result_url: {
      ...urlSchema,
      description:
        'Where signed payment notifications are POSTed, live ones included: https, unless loopback.',
    },
    success_url: urlSchema,
    fail_url: urlSchema,
    vat_rate: vatRateSchema,
    allow_negative_balance: {
      type: 'boolean',
      description: 'Refunds and payouts may take the available balance below zero (ledger).',
    },
    api_key_mode: apiKeyModeSchema,
  },
} as const;

export interface FeeRuleBody {
  method: string;
  percent_bps: number;
  fixed?: { amount: unknown; currency: string }[];
}

export interface CreateMerchantBody {
  name: string;
  enabled_methods: string[];
  fee_rules?: FeeRuleBody[];
  webmoney_shop_id?: string;
  result_url?: string;
  success_url?: string;
  fail_url?: string;
  vat_rate?: string;
  allow_negative_balance?: boolean;
  api_key_mode?: 'test' | 'live';
}

/** PATCH: only the fields sent change; an empty string clears a URL. */
export const updateMerchantBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: createMerchantBodySchema.properties.name,
    enabled_methods: createMerchantBodySchema.properties.enabled_methods,
    fee_rules: feeRulesSchema,
    webmoney_shop_id: createMerchantBodySchema.properties.webmoney_shop_id,
    result_url: { type: 'string', maxLength: 2048 },
    success_url: { type: 'string', maxLength: 2048 },
    fail_url: { type: 'string', maxLength: 2048 },
    vat_rate: vatRateSchema,
    allow_negative_balance: createMerchantBodySchema.properties.allow_negative_balance,
  },
} as const;

export type UpdateMerchantBody = Partial<Omit<CreateMerchantBody, 'api_key_mode'>>;

export const listMerchantsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(50, 200),
    cursor: { type: 'string', minLength: 1, maxLength: 512, pattern: idPattern },
  },
} as const;

export interface ListMerchantsQuery {
  limit?: string;
  cursor?: string;
}

/** GET /admin/v1/merchants/{id}/api_keys: newest first, `starting_after` a `key_…` id (older). */
export const listApiKeysQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: limitSchema(100),
    starting_after: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: idPattern,
      description: 'The last key id of the previous page (older keys follow).',
    },
  },
} as const;

export interface ListApiKeysQuery {
  limit?: string;
  starting_after?: string;
}

export const createApiKeyBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    mode: apiKeyModeSchema,
    name: { type: 'string', maxLength: 100, description: 'A label for people.' },
  },
} as const;

export interface CreateApiKeyBody {
  mode?: 'test' | 'live';
  name?: string;
}

export const rollApiKeyBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    expires_in_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: 2_592_000,
      description: 'How long the old key keeps working; 0 or absent: 24 hours; at most 30 days.',
    },
  },
} as const;

export interface RollApiKeyBody {
  expires_in_seconds?: number;
}

const feeRuleJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['method', 'percent_bps', 'fixed'],
  properties: {
    method: { type: ['string', 'null'] },
    percent_bps: { type: 'integer' },
    fixed: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['amount', 'currency'],
        properties: { amount: minorJsonSchema, currency: { type: 'string' } },
      },
    },
  },
} as const;

export const merchantJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'name',
    'enabled_methods',
    'fee_rules',
    'allow_negative_balance',
    'webmoney_shop_id',
    'success_url',
    'fail_url',
    'result_url',
    'vat_rate',
    'onboarding',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['merchant'] },
    name: { type: 'string' },
    enabled_methods: { type: 'array', items: { type: 'string' } },
    fee_rules: {
      type: ['array', 'null'],
      items: feeRuleJsonSchema,
      description: "The ledger's plan; null in lists or when the ledger did not answer.",
    },
    allow_negative_balance: {
      type: ['boolean', 'null'],
      description: "The ledger's setting; null in lists or when the ledger did not answer.",
    },
    webmoney_shop_id: nullableString,
    success_url: nullableString,
    fail_url: nullableString,
    result_url: nullableString,
    vat_rate: { type: 'string' },
    onboarding: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'pending_steps'],
      description:
        'pending while the ledger or the notifier has not taken its settings yet (a sweeper ' +
        'retries); complete afterwards.',
      properties: {
        status: { type: 'string', enum: ['pending', 'complete'] },
        pending_steps: { type: 'array', items: { type: 'string' } },
      },
    },
    created_at: timestampSchema,
    updated_at: timestampSchema,
  },
} as const;

export const apiKeyJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'object',
    'merchant_id',
    'mode',
    'livemode',
    'name',
    'key_prefix',
    'status',
    'created_at',
    'revoked_at',
    'expires_at',
    'rolled_to',
  ],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['api_key'] },
    merchant_id: { type: 'string' },
    mode: { type: 'string', enum: ['test', 'live'] },
    livemode: livemodeSchema(),
    name: { type: 'string' },
    key_prefix: { type: 'string', description: 'The first 12 characters, to tell keys apart.' },
    status: { type: 'string', enum: ['active', 'expiring', 'expired', 'revoked'] },
    created_at: timestampSchema,
    revoked_at: timestampSchema,
    expires_at: timestampSchema,
    rolled_to: nullableString,
  },
} as const;

/**
 * Error answers of admin routes: none here on purpose. openapi.ts (documentErrors) adds every
 * status of the one error table to every route, in the shared `Error` shape.
 */
export const adminErrorResponses = {} as const;

export const createMerchantResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['merchant', 'api_key', 'api_key_info', 'webhook_signing_secret', 'form_secret'],
  properties: {
    merchant: merchantJsonSchema,
    api_key: { type: 'string', description: 'Shown once; empty on a replay.' },
    api_key_info: { anyOf: [apiKeyJsonSchema, { type: 'null' }] },
    webhook_signing_secret: {
      type: ['string', 'null'],
      description: 'Shown once (whsec_…); null on a replay or without result_url.',
    },
    form_secret: {
      type: ['string', 'null'],
      description:
        'HMAC-SHA256 key for signed POST /pay forms (fsk_…); shown once, null on a replay.',
    },
  },
} as const;

export const secretParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    kind: { type: 'string', enum: ['form', 'webhook'] },
  },
} as const;

export const rotateSecretBodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    overlap_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: 2_592_000,
      description: 'How long the replaced secret stays valid; 0 or absent: 24 hours.',
    },
  },
} as const;

export interface RotateSecretBody {
  overlap_seconds?: number;
}

export const rotatedSecretJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'secret', 'previous_expires_at', 'merchant'],
  properties: {
    kind: { type: 'string', enum: ['form', 'webhook'] },
    secret: { type: 'string', description: 'The new secret, shown once.' },
    previous_expires_at: timestampSchema,
    merchant: merchantJsonSchema,
  },
} as const;

export const merchantListJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'url', 'data', 'has_more', 'next_cursor'],
  properties: {
    object: { type: 'string', enum: ['list'] },
    url: { type: 'string' },
    data: { type: 'array', items: merchantJsonSchema },
    has_more: { type: 'boolean' },
    next_cursor: nullableString,
  },
} as const;

export const apiKeyListJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'url', 'data', 'has_more'],
  properties: {
    object: { type: 'string', enum: ['list'] },
    url: { type: 'string' },
    data: { type: 'array', items: apiKeyJsonSchema },
    has_more: { type: 'boolean' },
  },
} as const;

export const issuedApiKeyJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key', 'secret'],
  properties: {
    api_key: apiKeyJsonSchema,
    secret: {
      type: ['string', 'null'],
      description:
        'The key itself (sk_test_… / sk_live_…), shown once: null when a create is replayed.',
    },
    rolled: { ...apiKeyJsonSchema, description: 'The old key with its expiry (roll only).' },
  },
} as const;
