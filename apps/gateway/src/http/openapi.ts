import {
  CASE_STATUS_NAME_LIST,
  METHOD_NAME_LIST,
  PROVIDER_NAME_LIST,
  STATUS_NAME_LIST,
} from './mappers/enums.mapper';
import {
  amountSchema,
  applyCaseBodySchema,
  balanceQuerySchema,
  cancelPaymentBodySchema,
  createMerchantBodySchema,
  createPaymentBodySchema,
  listCasesQuerySchema,
  payerInputFormSchema,
  returnCaseBodySchema,
} from './schemas';

/** Status -> (description, example codes). Codes are stable; messages are for humans. */
const ERROR_RESPONSES: Record<string, { description: string; codes: string[] }> = {
  '400': {
    description: 'The request is invalid (kind `invalid`).',
    codes: [
      'VALIDATION_FAILED',
      'MALFORMED_JSON',
      'IDEMPOTENCY_KEY_REQUIRED',
      'IDEMPOTENCY_KEY_INVALID',
      'MONEY_NOT_AN_INTEGER',
      'MONEY_UNKNOWN_CURRENCY',
      'MONEY_ZERO_AMOUNT',
      'MONEY_NEGATIVE_AMOUNT',
      'MONEY_AMOUNT_OVERFLOW',
      'PAYMENT_INVALID_REQUEST',
      'CASE_INVALID_REQUEST',
    ],
  },
  '401': {
    description: 'Missing or unknown API key (kind `unauthenticated`).',
    codes: ['UNAUTHENTICATED', 'AUTH_INVALID_API_KEY', 'AUTH_API_KEY_REVOKED'],
  },
  '402': {
    description: 'The payment was declined (kind `declined`).',
    codes: ['PAYMENT_DECLINED'],
  },
  '403': { description: 'Not allowed for this merchant (kind `forbidden`).', codes: ['FORBIDDEN'] },
  '404': {
    description: 'Unknown resource or route (kind `not_found`).',
    codes: ['PAYMENT_NOT_FOUND', 'CASE_NOT_FOUND', 'ROUTE_NOT_FOUND'],
  },
  '409': {
    description:
      'Conflict (kinds `conflict`, `aborted`): the Idempotency-Key was used with a different request; `details.field` names the first difference.',
    codes: ['IDEMPOTENCY_KEY_REUSED', 'PAYMENT_CONCURRENT_UPDATE'],
  },
  '413': { description: 'The body is too large.', codes: ['PAYLOAD_TOO_LARGE'] },
  '415': {
    description: 'Unsupported Content-Type (send application/json).',
    codes: ['UNSUPPORTED_MEDIA_TYPE'],
  },
  '422': {
    description: 'The payment or case is in the wrong state for this (kind `precondition`).',
    codes: [
      'PAYMENT_NOT_PAYABLE',
      'PAYMENT_METHOD_NOT_ENABLED',
      'PAYMENT_ALREADY_FINAL',
      'PAYMENT_NOT_CANCELABLE',
      'CASE_ALREADY_RESOLVED',
    ],
  },
  '429': {
    description: 'Rate limited (kind `rate_limited`); retry later.',
    codes: ['RATE_LIMITED'],
  },
  '500': {
    description: 'Internal error; the message is always `internal error`.',
    codes: ['INTERNAL'],
  },
  '503': {
    description:
      'A backend is unavailable (kind `unavailable`); safe to retry with the same Idempotency-Key.',
    codes: ['UPSTREAM_UNAVAILABLE', 'CHECKOUT_UPSTREAM_UNAVAILABLE'],
  },
  '504': {
    description:
      'A backend timed out (kind `timeout`); safe to retry with the same Idempotency-Key.',
    codes: ['UPSTREAM_TIMEOUT'],
  },
};

function errorRefs(statuses: string[]): Record<string, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/Error${s}` }]));
}

const COMMON = ['400', '401', '500', '503', '504'];

/**
 * The customer's hosted-page routes a merchant may see referenced: the payment's status the
 * waiting pages poll, and the Wavepay transaction number form. Both need the page secret from
 * payment_url (a wrong or missing one is the unknown payment's 404), no API key, and reveal only
 * the status. Both are limited per client IP (429).
 */
function hostedPageRoutes(): Record<string, unknown> {
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const secret = {
    name: 'secret',
    in: 'query',
    required: true,
    description: "The page secret, as in the payment's `payment_url`.",
    schema: { type: 'string' },
  };
  return {
    '/pay/{id}/status': {
      get: {
        operationId: 'getHostedPaymentStatus',
        summary: "A payment's status, for the hosted pages' polling",
        security: [],
        tags: ['hosted pages'],
        parameters: [id, secret],
        responses: {
          '200': {
            description: 'The status.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['status'],
                  properties: { status: { type: 'string', enum: [...STATUS_NAME_LIST] } },
                },
              },
            },
          },
          ...errorRefs(['400', '404', '429', '500', '503', '504']),
        },
      },
    },
    '/pay/{id}/input': {
      post: {
        operationId: 'submitPayerInput',
        summary: 'The payer submits the Wavepay transaction number (HTML form)',
        description:
          'Form fields `key1` (1..11 characters) and `_csrf` (the token of the page the form was on, whose ' +
          'cookie the browser sends back). Answers an HTML page: payment received (with the way back to ' +
          '`success_url`), waiting for confirmation, being checked (`requires_review`), or the form again with ' +
          'the reason (422).',
        security: [],
        tags: ['hosted pages'],
        parameters: [id, secret],
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: payerInputFormSchema } },
        },
        responses: {
          '200': {
            description: 'Received, waiting or being checked.',
            content: { 'text/html': {} },
          },
          '303': { description: 'The payment is final; see its payment page.' },
          '400': {
            description: 'key1 missing or too long: the form again.',
            content: { 'text/html': {} },
          },
          '403': {
            description: 'No valid CSRF token for this browser (CSRF_TOKEN_INVALID).',
            content: { 'text/html': {} },
          },
          '404': {
            description: 'Unknown payment, or a wrong or missing page secret.',
            content: { 'text/html': {} },
          },
          '422': {
            description:
              'Not accepted (e.g. unknown transaction number): the form again with the reason; or ' +
              'PAYMENT_METHOD_LOCKED after too many refused numbers for this payment.',
            content: { 'text/html': {} },
          },
          '429': { description: 'Too many requests from this IP.', content: { 'text/html': {} } },
        },
      },
    },
  };
}

/**
 * Operator routes over checkout's cases (ADMIN_TOKEN): verified money that did not match its
 * payment, held in unapplied funds until an operator applies or returns it.
 */
function caseRoutes(requestId: Record<string, unknown>): Record<string, unknown> {
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const caseAnswer = (description: string, schema: string) => ({
    description,
    headers: requestId,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
  });
  const optionalKey = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Accepted, not required: resolving is idempotent by nature (a repeat answers the resolved case).',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  };
  const query = Object.entries(listCasesQuerySchema.properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema,
  }));
  return {
    '/admin/v1/cases': {
      get: {
        operationId: 'listCases',
        summary: 'List cases, newest first (operators only)',
        description:
          'Filters by `status`, `merchant_id`, `payment_id`. Paging: `limit` (1..200, default 50); when ' +
          '`has_more` is true, pass `next_cursor` as `cursor` for the next page (opaque; null on the last page).',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        parameters: query,
        responses: {
          '200': caseAnswer('A page of cases.', 'CaseList'),
          ...errorRefs(COMMON),
        },
      },
    },
    '/admin/v1/cases/{id}': {
      get: {
        operationId: 'getCase',
        summary: 'One case with its audit trail (operators only)',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        parameters: [id],
        responses: {
          '200': caseAnswer('The case and its audit trail.', 'CaseDetail'),
          ...errorRefs([...COMMON, '404']),
        },
      },
    },
    '/admin/v1/cases/{id}/apply': {
      post: {
        operationId: 'applyCase',
        summary: "Apply a case's money to its payment (operators only)",
        description:
          "Credits the money to the payment's merchant (fee from the merchant's plan); a payment that was not " +
          'paid becomes `succeeded`, and the merchant is notified. A repeat answers the applied case; a case ' +
          'already returned is 422 `CASE_ALREADY_RESOLVED`. 503 while the ledger cannot hold the money yet: retry.',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        parameters: [id, optionalKey],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: applyCaseBodySchema } },
        },
        responses: {
          '200': caseAnswer('The applied case.', 'Case'),
          ...errorRefs([...COMMON, '404', '422']),
        },
      },
    },
    '/admin/v1/cases/{id}/return': {
      post: {
        operationId: 'returnCase',
        summary: "Record that a case's money went back to the payer (operators only)",
        description:
          'The transfer back is made outside Tolem; `return_reference` names it. A repeat answers the returned ' +
          'case; a case already applied is 422 `CASE_ALREADY_RESOLVED`.',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        parameters: [id, optionalKey],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: returnCaseBodySchema } },
        },
        responses: {
          '200': caseAnswer('The returned case.', 'Case'),
          ...errorRefs([...COMMON, '404', '422']),
        },
      },
    },
  };
}

const minorSchema = {
  oneOf: [{ type: 'integer' }, { type: 'string' }],
  description: 'Minor units.',
};

const caseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['case_01jc3v7y0k8m3q2r5t6w7x8y9z'] },
    object: { const: 'case' },
    kind: {
      type: 'string',
      enum: [
        'duplicate_payment',
        'late_payment',
        'amount_mismatch',
        'amount_unknown',
        'unsettled_at_provider',
      ],
      description:
        '`duplicate_payment`: a second transfer for a paid payment; `late_payment`: money after the payment ' +
        'failed, expired or was canceled; `amount_mismatch`: another amount or currency; `amount_unknown`: ' +
        "the provider confirmed without an amount (`amount` is then the payment's, unconfirmed); " +
        '`unsettled_at_provider`: settled money no payment here matches.',
    },
    status: {
      type: 'string',
      enum: [...CASE_STATUS_NAME_LIST],
      description:
        '`opening`: the ledger has not acknowledged the hold yet; `open`: held in unapplied funds; ' +
        '`applied` / `returned`: resolved, final.',
    },
    reason: { type: 'string' },
    payment_id: { type: 'string' },
    merchant_id: { type: 'string' },
    payment_status: { type: 'string', description: "The payment's status when the case opened." },
    provider: { type: ['string', 'null'], enum: [...PROVIDER_NAME_LIST, null] },
    method: { type: ['string', 'null'], enum: [...METHOD_NAME_LIST, null] },
    provider_payment_id: {
      type: ['string', 'null'],
      description: "The provider's id of the money.",
    },
    amount: { ...minorSchema, description: 'What the provider moved, in minor units.' },
    currency: { type: 'string' },
    expected_amount: { ...minorSchema, description: 'What the payment asked for.' },
    expected_currency: { type: 'string' },
    callback_id: {
      type: ['string', 'null'],
      description: "The raw callback in provider-adapters' audit log (`cb_…`).",
    },
    provider_attributes: { type: 'object', additionalProperties: { type: 'string' } },
    return_reference: { type: ['string', 'null'] },
    created_at: { type: ['string', 'null'], format: 'date-time' },
    resolved_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

/** The OpenAPI 3.1 document of the merchant API, served at /openapi.json. */
export function buildOpenApi(publicBaseUrl: string): Record<string, unknown> {
  const requestId = {
    'x-request-id': {
      description:
        "Echo of the caller's x-request-id when sane, else a generated one; quote it to support.",
      schema: { type: 'string' },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tolem merchant API',
      version: '1.0.0',
      description:
        'Money is an integer count of minor units plus an ISO 4217 code (`"amount": 1999, "currency": "USD"`). ' +
        'Every error answers `{"error":{"code","message","request_id"}}` with a stable `code`; branch on codes, not messages.',
    },
    servers: [{ url: publicBaseUrl }],
    security: [{ apiKey: [] }],
    paths: {
      '/v1/payments': {
        post: {
          operationId: 'createPayment',
          summary: 'Create a payment',
          description:
            'Creates a payment in status `created`; send the customer to `payment_url`. Retrying with the same ' +
            'Idempotency-Key returns the original payment (200, `Idempotent-Replayed: true`); the same key with a ' +
            'different body is 409 IDEMPOTENCY_KEY_REUSED.',
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/CreatePaymentRequest' } },
            },
          },
          responses: {
            '201': {
              description: 'Created.',
              headers: requestId,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Payment' } } },
            },
            '200': {
              description: 'Replay of an earlier request with the same Idempotency-Key.',
              headers: {
                ...requestId,
                'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } },
              },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Payment' } } },
            },
            ...errorRefs([...COMMON, '409', '413', '415', '422', '429']),
          },
        },
      },
      '/v1/payments/{id}': {
        get: {
          operationId: 'getPayment',
          summary: 'Retrieve a payment of the authenticated merchant',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The payment.',
              headers: requestId,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Payment' } } },
            },
            ...errorRefs([...COMMON, '404']),
          },
        },
      },
      '/v1/payments/{id}/cancel': {
        post: {
          operationId: 'cancelPayment',
          summary:
            'Cancel a payment nobody has paid (created or pending); the merchant is notified with payment.canceled',
          description:
            'Idempotent by nature: canceling a canceled payment answers it unchanged. A provider success that still arrives afterwards is credited, never dropped.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: cancelPaymentBodySchema } },
          },
          responses: {
            '200': {
              description: 'The canceled payment.',
              headers: requestId,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Payment' } } },
            },
            ...errorRefs([...COMMON, '404', '422']),
          },
        },
      },
      '/v1/balance': {
        get: {
          operationId: 'getBalance',
          summary: "The merchant's balance in one currency",
          parameters: [
            {
              name: 'currency',
              in: 'query',
              required: true,
              schema: balanceQuerySchema.properties.currency,
            },
          ],
          responses: {
            '200': {
              description: 'The balance.',
              headers: requestId,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Balance' } } },
            },
            ...errorRefs(COMMON),
          },
        },
      },
      ...hostedPageRoutes(),
      '/admin/v1/merchants': {
        post: {
          operationId: 'createMerchant',
          summary: 'Create a merchant (operators only)',
          description:
            'Creates the merchant and registers its result URL with a fresh webhook signing secret. `api_key` and ' +
            '`webhook_signing_secret` are shown only in the first answer; a replay (200, `Idempotent-Replayed: true`) ' +
            'returns an empty `api_key` and a null secret. If the webhook endpoint could not be set, the answer is ' +
            "still 201 with a null secret and `webhook_error`. The fee rules become the merchant's fee plan in the " +
            'ledger, the only owner of fees: per method `percent_bps` of the gross plus the `fixed` part written for ' +
            "the payment's currency (a currency without one has no fixed part; a merchant without rules pays no fee). " +
            'If setting the plan failed on the first creation the answer carries `fee_plan_error` and `fee_rules: null`, ' +
            'and a replay with the same Idempotency-Key sets it; a replay with other fee rules is 409 `IDEMPOTENCY_KEY_REUSED`.',
          tags: ['admin'],
          security: [{ adminToken: [] }],
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: createMerchantBodySchema } },
          },
          responses: {
            '201': { description: 'Created.', headers: requestId },
            '200': { description: 'Replay.', headers: requestId },
            ...errorRefs([...COMMON, '409']),
          },
        },
      },
      ...caseRoutes(requestId),
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <ADMIN_TOKEN>',
        },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          description:
            'Required on every POST (1..255 characters). The same key never takes effect twice.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      schemas: {
        CreatePaymentRequest: {
          ...createPaymentBodySchema,
          properties: {
            ...createPaymentBodySchema.properties,
            amount: {
              ...amountSchema,
              oneOf: [
                { type: 'integer', minimum: 1 },
                { type: 'string', pattern: '^\\d+$' },
              ],
            },
          },
        },
        Payment: {
          type: 'object',
          properties: {
            id: { type: 'string', examples: ['pay_01jc3v7y0k8m3q2r5t6w7x8y9z'] },
            object: { const: 'payment' },
            status: {
              type: 'string',
              enum: [...STATUS_NAME_LIST],
              description:
                "`requires_review`: the provider could not match the payer's transfer (Wavepay); a person " +
                'resolves it to `succeeded` or `failed`, and the payer is not offered a second payment meanwhile.',
            },
            amount: {
              oneOf: [{ type: 'integer' }, { type: 'string' }],
              description: 'Minor units.',
            },
            currency: { type: 'string' },
            order_id: { type: ['string', 'null'] },
            description: { type: ['string', 'null'] },
            payment_url: {
              type: 'string',
              description:
                'The hosted payment page to send the customer to. Its `secret` query parameter is the ' +
                "page's credential: pass the URL on whole and keep it out of logs.",
            },
            method: { type: ['string', 'null'], enum: [...METHOD_NAME_LIST, null] },
            provider: {
              type: ['string', 'null'],
              enum: [...PROVIDER_NAME_LIST, null],
            },
            provider_payment_id: { type: ['string', 'null'] },
            provider_attributes: {
              type: 'object',
              additionalProperties: { type: 'string' },
              description: 'e.g. payer_purse, payer_wmid, payer_phone, keeper_mobile_payment_no',
            },
            fee: {
              oneOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }],
              description:
                "Tolem's fee in minor units of the payment's currency: the one the ledger applied, known once posted.",
            },
            failure_code: { type: ['string', 'null'] },
            available_methods: {
              type: 'array',
              items: { type: 'string', enum: [...METHOD_NAME_LIST] },
            },
            success_url: { type: ['string', 'null'] },
            fail_url: { type: ['string', 'null'] },
            metadata: { type: 'object', additionalProperties: { type: 'string' } },
            created_at: { type: ['string', 'null'], format: 'date-time' },
            updated_at: { type: ['string', 'null'], format: 'date-time' },
          },
        },
        Balance: {
          type: 'object',
          properties: {
            object: { const: 'balance' },
            currency: { type: 'string' },
            available: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
            pending: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
          },
        },
        Case: caseSchema,
        CaseDetail: {
          ...caseSchema,
          properties: {
            ...caseSchema.properties,
            audit: {
              type: 'array',
              description: 'Opened, held, applied, returned: when, by whom, why; oldest first.',
              items: {
                type: 'object',
                properties: {
                  at: { type: ['string', 'null'], format: 'date-time' },
                  action: { type: 'string' },
                  actor: { type: 'string' },
                  detail: { type: 'string' },
                },
              },
            },
          },
        },
        CaseList: {
          type: 'object',
          properties: {
            object: { const: 'list' },
            data: { type: 'array', items: { $ref: '#/components/schemas/Case' } },
            has_more: { type: 'boolean' },
            next_cursor: {
              type: ['string', 'null'],
              description: 'Pass as `cursor` for the next page; null on the last page.',
            },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'request_id'],
              properties: {
                code: { type: 'string', description: 'Stable UPPER_SNAKE code.' },
                message: { type: 'string' },
                request_id: { type: 'string' },
                details: {
                  type: 'object',
                  additionalProperties: { type: 'string' },
                  description: 'e.g. `field`.',
                },
              },
            },
          },
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, r]) => [
          `Error${status}`,
          {
            description: `${r.description} Codes include: ${r.codes.join(', ')}.`,
            headers: requestId,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}
