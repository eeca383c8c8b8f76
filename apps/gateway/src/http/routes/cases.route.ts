import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import {
  type ApplyCaseBody,
  applyCaseBodySchema,
  type ListCasesQuery,
  listCasesQuerySchema,
  type ReturnCaseBody,
  returnCaseBodySchema,
} from '../case.schemas';
import { idempotencyKeyFrom, OPTIONAL_IDEMPOTENCY_HEADERS } from '../headers';
import {
  caseDetailToJson,
  caseListToJson,
  caseToJson,
  toListCasesRequest,
} from '../mappers/case.mapper';
import { operation } from '../openapi';
import { idParamsSchema } from '../schemas';
import type { GatewayDeps } from '../server';

export interface CaseRouteDeps {
  cases: GatewayDeps['cases'];
}

/**
 * Applying and returning are idempotent by nature (checkout answers a repeat with the resolved
 * case), so an Idempotency-Key is accepted but not required; a present one must still be sane.
 */
function acceptIdempotencyKey(request: FastifyRequest): void {
  if (request.headers['idempotency-key'] !== undefined) {
    idempotencyKeyFrom(request.headers['idempotency-key']);
  }
}

/**
 * Operator routes over checkout's CaseService: verified money that did not match its payment,
 * held in unapplied funds until an operator applies it to the payment or returns it to the payer.
 * Registered inside the admin scope, so ADMIN_TOKEN is checked before anything else.
 */
export function caseRoutes(deps: CaseRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: ListCasesQuery }>(
      '/admin/v1/cases',
      {
        schema: {
          ...operation('listCases', 'Cases of money that matched no payment, newest first'),
          querystring: listCasesQuerySchema,
          response: { 200: { description: 'A page of cases', $ref: 'CaseList#' } },
        },
      },
      async (request) => {
        const res = await deps.cases.listCases(toListCasesRequest(request.query), {
          requestId: request.id,
        });
        return caseListToJson(res);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/admin/v1/cases/:id',
      {
        schema: {
          ...operation('getCase', 'Retrieve a case'),
          params: idParamsSchema,
          response: { 200: { description: 'The case and its audit', $ref: 'CaseDetail#' } },
        },
      },
      async (request) => {
        const res = await deps.cases.getCase(
          { caseId: request.params.id },
          { requestId: request.id },
        );
        return caseDetailToJson(res);
      },
    );

    app.post<{ Params: { id: string }; Body: ApplyCaseBody }>(
      '/admin/v1/cases/:id/apply',
      {
        schema: {
          ...operation('applyCase', "Apply a case's held money to a payment"),
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          params: idParamsSchema,
          body: applyCaseBodySchema,
          response: { 200: { description: 'Applied (or already applied)', $ref: 'Case#' } },
        },
        preValidation: async (request) => acceptIdempotencyKey(request),
      },
      async (request) => {
        const res = await deps.cases.applyCase(
          {
            caseId: request.params.id,
            operator: request.body.operator.trim(),
            note: request.body.note ?? '',
          },
          { requestId: request.id },
        );
        request.log.info({ caseId: request.params.id }, 'case applied by an operator');
        return caseToJson(res.case);
      },
    );

    app.post<{ Params: { id: string }; Body: ReturnCaseBody }>(
      '/admin/v1/cases/:id/return',
      {
        schema: {
          ...operation('returnCase', "Return a case's held money to the payer"),
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          params: idParamsSchema,
          body: returnCaseBodySchema,
          response: { 200: { description: 'Returned (or already returned)', $ref: 'Case#' } },
        },
        preValidation: async (request) => acceptIdempotencyKey(request),
      },
      async (request) => {
        const res = await deps.cases.returnCase(
          {
            caseId: request.params.id,
            operator: request.body.operator.trim(),
            note: request.body.note ?? '',
            returnReference: request.body.return_reference.trim(),
          },
          { requestId: request.id },
        );
        request.log.info({ caseId: request.params.id }, 'case returned by an operator');
        return caseToJson(res.case);
      },
    );
  };
}
