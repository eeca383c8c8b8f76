import {
  CASE_STATUS_NAME_LIST,
  type CaseStatusName,
  METHOD_NAME_LIST,
  PROVIDER_NAME_LIST,
} from './mappers/enums.mapper';
import { idPattern, limitSchema, minorSchema } from './schemas';

/**
 * Request and response schemas of the operators' case routes (`/admin/v1/cases…`;
 * cases.route.ts). The answers are OpenAPI components, added to Fastify by $id
 * (CASE_ANSWER_SCHEMAS).
 */

/**
 * GET /admin/v1/cases. Query strings are not coerced, so `limit` is digits here and the mapper
 * checks its range; `cursor` is the `next_cursor` of the previous page, opaque.
 */
export const listCasesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: CASE_STATUS_NAME_LIST },
    merchant_id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    payment_id: { type: 'string', minLength: 1, maxLength: 64, pattern: idPattern },
    limit: limitSchema(50, 200),
    cursor: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

export interface ListCasesQuery {
  status?: CaseStatusName;
  merchant_id?: string;
  payment_id?: string;
  limit?: string;
  cursor?: string;
}

const operatorSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "Who decided (an operator's name or email); kept in the case's audit trail.",
} as const;

const noteSchema = { type: 'string', maxLength: 1000 } as const;

/** POST /admin/v1/cases/{id}/apply: credit the case's money to the payment's merchant. */
export const applyCaseBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['operator'],
  properties: { operator: operatorSchema, note: noteSchema },
} as const;

export interface ApplyCaseBody {
  operator: string;
  note?: string;
}

/** POST /admin/v1/cases/{id}/return: record that the money went back to the payer. */
export const returnCaseBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['operator', 'return_reference'],
  properties: {
    operator: operatorSchema,
    note: noteSchema,
    return_reference: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description: 'The transfer that sent the money back to the payer.',
    },
  },
} as const;

export interface ReturnCaseBody {
  operator: string;
  note?: string;
  return_reference: string;
}

/** caseToJson (case.mapper.ts). */
export const caseSchema = {
  $id: 'Case',
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
} as const;

const { $id: _caseId, ...caseBody } = caseSchema;

export const caseDetailSchema = {
  ...caseBody,
  $id: 'CaseDetail',
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
} as const;

export const caseListSchema = {
  $id: 'CaseList',
  type: 'object',
  required: ['object', 'url', 'data', 'has_more', 'next_cursor'],
  properties: {
    object: { const: 'list' },
    url: { type: 'string' },
    data: { type: 'array', items: { $ref: 'Case#' } },
    has_more: { type: 'boolean' },
    next_cursor: {
      type: ['string', 'null'],
      description: 'Pass as `cursor` for the next page; null on the last page.',
    },
  },
} as const;

/** The answers above that are OpenAPI components, in the document's order. */
export const CASE_ANSWER_SCHEMAS = [caseSchema, caseDetailSchema, caseListSchema];
