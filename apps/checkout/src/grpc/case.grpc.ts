import {
  ApplyCaseResponse,
  type CaseServiceService,
  GetCaseResponse,
  ListCasesResponse,
  ReturnCaseResponse,
} from '@tolem/contracts/checkout';
import { isDomainError } from '@tolem/errors';
import type { Handlers } from '@tolem/grpc-kit';

import type { Cases } from '../app/cases';
import { checkoutErrors } from '../domain/errors';
import type { CaseRepository, PaymentProviderPort, StoredProviderCallback } from '../domain/ports';
import {
  afterOf,
  auditToProto,
  caseStatusFromProto,
  caseToProto,
  pageTokenOf,
} from './case.mapper';

export interface CaseHandlerDeps {
  cases: Pick<Cases, 'apply' | 'giveBack' | 'find'>;
  repo: Pick<CaseRepository, 'list' | 'audit'>;
  provider: Pick<PaymentProviderPort, 'getCallback'>;
}

/** The callback that opened a case; none when it came from payer input or was purged. */
async function evidenceOf(
  deps: CaseHandlerDeps,
  callbackId: string,
): Promise<StoredProviderCallback | undefined> {
  if (!callbackId) return undefined;
  try {
    return await deps.provider.getCallback(callbackId);
  } catch (err) {
    if (isDomainError(err) && err.code === 'PROVIDER_CALLBACK_NOT_FOUND') return undefined;
    throw err;
  }
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function caseHandlers(deps: CaseHandlerDeps): Handlers<typeof CaseServiceService> {
  return {
    async listCases(req) {
      const pageSize = req.pageSize === 0 ? 50 : req.pageSize;
      if (pageSize < 1 || pageSize > 200) {
        throw checkoutErrors.create('CASE_INVALID_REQUEST', 'page_size must be 1..200', {
          details: { field: 'page_size' },
        });
      }
      const cases = await deps.repo.list({
        status: caseStatusFromProto(req.status),
        merchantId: req.merchantId,
        paymentId: req.paymentId,
        limit: pageSize + 1,
        after: afterOf(req.pageToken),
      });
      const page = cases.slice(0, pageSize);
      const last = page.at(-1);
      return ListCasesResponse.fromPartial({
        cases: page.map(caseToProto),
        nextPageToken: cases.length > pageSize && last ? pageTokenOf(last) : '',
      });
    },
    async getCase(req) {
      const found = await deps.cases.find(req.caseId);
      const callback = await evidenceOf(deps, found.callbackId);
      return GetCaseResponse.fromPartial({
        case: caseToProto(found),
        audit: (await deps.repo.audit(found.id)).map(auditToProto),
        callback: callback && {
          callbackId: callback.callbackId,
          receivedAt: callback.receivedAt ?? undefined,
          method: callback.method,
          path: callback.path,
          query: callback.query,
          headers: callback.headers,
          body: Buffer.from(callback.body),
          verdict: callback.verdict,
          reasonCode: callback.reasonCode,
        },
      });
    },
    async applyCase(req) {
      const c = await deps.cases.apply({
        caseId: req.caseId,
        operator: req.operator,
        note: req.note,
      });
      return ApplyCaseResponse.fromPartial({ case: caseToProto(c) });
    },
    async returnCase(req) {
      const c = await deps.cases.giveBack({
        caseId: req.caseId,
        operator: req.operator,
        note: req.note,
        returnReference: req.returnReference,
      });
      return ReturnCaseResponse.fromPartial({ case: caseToProto(c) });
    },
  };
}
